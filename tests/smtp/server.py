#!/usr/bin/env python3
"""A real SMTP server for the mail tests (aiosmtpd, from PyPI).

Listens on 127.0.0.1:PORT, requires STARTTLS with CERT/KEY and AUTH with one account, and
appends one JSON line per message accepted to OUT: envelope recipients, decoded headers, the
text body and the attachments, and whether the session was encrypted and authenticated. Prints "ready" when listening
and stops when its standard input closes.

Usage: server.py PORT CERT KEY OUT USER PASSWORD
"""
import email
import email.policy
import json
import ssl
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# aiosmtpd warns about its own use of a deprecated attribute on every login.
warnings.filterwarnings("ignore", message="Session.login_data")

port, cert, key, out, user, password = sys.argv[1:7]


class Keep:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        record = {
            "rcpt": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "reply_to": str(msg["Reply-To"] or ""),
            "subject": str(msg["Subject"]),
            "content_type": msg.get_content_type(),
            "body": msg.get_body(preferencelist=("plain",)).get_content(),
            "attachments": [
                {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "method": part.get_param("method"),
                    "content": part.get_content() if part.get_content_maintype() == "text" else "",
                }
                for part in msg.iter_attachments()
            ],
            "tls": session.ssl is not None,
            "auth": bool(session.authenticated),
        }
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == user.encode()
        and auth_data.password == password.encode()
    )
    return AuthResult(success=ok)


tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)
controller = Controller(
    Keep(),
    hostname="127.0.0.1",
    port=int(port),
    tls_context=tls,
    require_starttls=True,
    authenticator=authenticate,
    auth_required=True,
    auth_require_tls=True,
)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
