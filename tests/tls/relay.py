"""A TLS front for a plain HTTP server, as a reverse proxy gives the Department's server its https://
address: python3 relay.py CERT KEY HOST:PORT

Listens on a free port of 127.0.0.1 with the certificate CERT (its key KEY), and passes every
connection's bytes both ways to HOST:PORT. Prints "ready PORT" once listening; stops when its
stdin closes.
"""

import asyncio
import ssl
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def quiet_tls_failures(loop, context):
    # A client refusing the certificate is what one test expects: not worth a traceback.
    if isinstance(context.get("exception"), (ssl.SSLError, ConnectionError)):
        return
    loop.default_exception_handler(context)


async def main():
    cert, key, upstream = sys.argv[1:4]
    host, up_port = upstream.rsplit(":", 1)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(quiet_tls_failures)

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(up_port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, up_writer), pipe(up_reader, client_writer), return_exceptions=True
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    # Stop when the test closes stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
