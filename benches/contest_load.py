#!/usr/bin/env python3
"""Load of quiz-contest entries against a running `vitrine serve` (benches/contest.sh runs it).

Each simulated entrant starts an entry (POST the entry form), opens its own sheet (GET) and sends
its answers (POST), from its own loopback address (127.x.y.z: the server limits entries per
address, and a class in a computer room shares one). Prints the entries completed per second and
the median and 99th percentile latency of each step, and the count of sent sheets, which the
calling script compares with what the database holds.

usage: contest_load.py BASE_URL CONTEST ENTRANTS CONCURRENCY
"""
import http.client
import re
import statistics
import sys
import threading
import time
import urllib.parse

base, contest, total, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
u = urllib.parse.urlsplit(base)
host, port = u.hostname, u.port
lock = threading.Lock()
lat = {"start": [], "sheet": [], "send": []}
errors = []
sent = 0
next_i = 0


def source(i):
    # 127.1.0.2 … : 40 entrants per address, well under the limit of 60 per 15 minutes.
    a = i // 40
    return (f"127.1.{a // 250}.{a % 250 + 2}", 0)


def timed(step, conn, method, path, body=None):
    headers = {"Host": f"{host}:{port}", "Origin": f"http://{host}:{port}"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    t = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    dt = time.perf_counter() - t
    with lock:
        lat[step].append(dt)
    return r.status, r.getheader("Location"), data


def entrant(i):
    global sent
    conn = http.client.HTTPConnection(host, port, timeout=30, source_address=source(i))
    try:
        form = urllib.parse.urlencode({
            "name": f"Học Sinh {i}", "school": f"THCS Số {i % 37}", "grade": str(6 + i % 4),
            "consent": "yes",
        })
        st, loc, _ = timed("start", conn, "POST", f"/thi/{contest}/du-thi/", form)
        if st != 303:
            raise RuntimeError(f"start: {st}")
        st, _, page = timed("sheet", conn, "GET", loc)
        if st != 200:
            raise RuntimeError(f"sheet: {st}")
        html = page.decode()
        answers = {}
        for name in re.findall(r'name="(q\d+)(?:_\d+)?"', html):
            answers.setdefault(name, None)
        pairs = []
        for q in answers:
            m = re.search(rf'name="({q}(?:_\d+)?)" value="(\d+)"', html)
            pairs.append((m.group(1), m.group(2)))
        pairs.append(("prediction", str(i % 50)))
        st, _, _ = timed("send", conn, "POST", loc, urllib.parse.urlencode(pairs))
        if st != 303:
            raise RuntimeError(f"send: {st}")
        with lock:
            sent += 1
    except Exception as e:  # noqa: BLE001 - counted and reported
        with lock:
            errors.append(str(e))
    finally:
        conn.close()


def worker():
    global next_i
    while True:
        with lock:
            if next_i >= total:
                return
            i = next_i
            next_i += 1
        entrant(i)


t0 = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - t0


def ms(v):
    return f"{v * 1000:.1f} ms"


print(f"entries sent: {sent} of {total} in {wall:.2f} s = {sent / wall:.0f} entries/s "
      f"({3 * sent / wall:.0f} requests/s), {conc} at a time")
for step, v in lat.items():
    if v:
        v.sort()
        p99 = v[min(len(v) - 1, int(len(v) * 0.99))]
        print(f"  {step:6s} median {ms(statistics.median(v))}   p99 {ms(p99)}")
if errors:
    print(f"errors: {len(errors)}; first: {errors[:3]}")
print(f"SENT={sent}")
