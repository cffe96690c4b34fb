#!/usr/bin/env bash
# Load test of `vitrine serve` on loopback, with nginx serving the same built files in the same
# run as the anchor. Needs wrk, nginx and ab (Debian: wrk nginx-light apache2-utils); bounded to
# seconds. Prints requests/s and p99 latency for an object page (nginx, vitrine) and for QR scans
# (vitrine, with a phone's User-Agent: wrk's own is a crawler's, which is not counted), checks
# that the stored scans grew by the requests wrk completed for that row, then that the database
# holds exactly as many scans as ab sent. VITRINE=path uses that binary instead of
# `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."
for c in wrk nginx ab python3; do
  command -v "$c" >/dev/null || { echo "benches/serve.sh needs $c (apt-get install wrk nginx-light apache2-utils)" >&2; exit 1; }
done
DUR=${DUR:-8s}
OUT="$PWD/benches/out/serve"
rm -rf "$OUT"; mkdir -p "$OUT"
if [ -n "${VITRINE:-}" ]; then
  V=$VITRINE
else
  cargo build --release --quiet
  V="$PWD/target/release/vitrine"
fi
[ -x "$V" ] || { echo "benches/serve.sh: no vitrine binary at $V" >&2; exit 1; }
"$V" build --quiet --out "$OUT/public" --cache "$PWD/benches/out/serve-cache"

cat > "$OUT/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $OUT/nginx.pid;
error_log $OUT/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  sendfile on; tcp_nodelay on; keepalive_requests 1000000;
  server { listen 127.0.0.1:18081; root $OUT/public; location / { try_files \$uri \$uri/ =404; } }
}
EOF
nginx -c "$OUT/nginx.conf" & NGINX=$!
VITRINE_DATABASE_URL="sqlite:$OUT/bench.db" "$V" serve --addr 127.0.0.1:18080 \
  --out "$OUT/public" --cache "$PWD/benches/out/serve-cache" 2> "$OUT/vitrine.err" & SERVER=$!
trap 'kill $NGINX $SERVER 2>/dev/null || true' EXIT
for port in 18080 18081; do
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

UA='User-Agent: Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36'
REPEAT=${REPEAT:-1}
run() { # name url [header]: REPEAT runs, each printed, then the medians
  local name=$1 url=$2; shift 2
  local rps p99 all_rps="" all_p99=""
  for i in $(seq "$REPEAT"); do
    wrk -t2 -c64 -d"$DUR" --latency "$@" "$url" > "$OUT/$name.$i.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$name.$i.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$OUT/$name.$i.txt")
    printf '%-28s %12s req/s   p99 %s\n' "$name" "$rps" "$p99"
    all_rps="$all_rps $rps"
    # wrk prints us, ms or s: in ms for the median.
    all_p99="$all_p99 $(echo "$p99" | awk '/us$/ {print $1/1000; next} /ms$/ {print $1+0; next} /s$/ {print $1*1000}')"
  done
  if [ "$REPEAT" -gt 1 ]; then
    printf '%-28s %12s req/s   p99 %sms   (median of %s)\n' "$name" \
      "$(echo $all_rps | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
      "$(echo $all_p99 | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$REPEAT"
  fi
}
echo "wrk -t2 -c64 -d$DUR --latency, loopback, 2 cores shared by client and server"
run "nginx object page" "http://127.0.0.1:18081/o/HL-001/"
run "vitrine object page" "http://127.0.0.1:18080/o/HL-001/"
scans() { # ID: scans of that object stored so far
  python3 - "$OUT/bench.db" "$1" <<'EOF'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from page_hits where object_id=? and via_qr", (sys.argv[2],)).fetchone()[0])
EOF
}
settled_scans() { # ID: the count once the server's queue is written (unchanged for 1 s; at most 15 s)
  local last now same=0
  last=$(scans "$1")
  for _ in $(seq 75); do
    sleep 0.2; now=$(scans "$1")
    if [ "$now" = "$last" ]; then same=$((same + 1)); [ "$same" -ge 5 ] && break; else same=0; last=$now; fi
  done
  echo "$last"
}
scans_before=$(settled_scans HL-002)
run "vitrine QR scan" "http://127.0.0.1:18080/O/HL-002/" -H "$UA"
# Every scan wrk completed is stored (wrk's "N requests in" counts completed responses; a request
# in flight when wrk stops may be stored without being counted, at most one per connection).
completed=0; non2xx=0
for i in $(seq "$REPEAT"); do
  completed=$((completed + $(awk '/requests in/ {print $1}' "$OUT/vitrine QR scan.$i.txt")))
  non2xx=$((non2xx + $(awk '/Non-2xx or 3xx responses/ {n = $NF} END {print n + 0}' "$OUT/vitrine QR scan.$i.txt")))
done
stored_wrk=$(( $(settled_scans HL-002) - scans_before ))
if [ "$stored_wrk" -eq "$completed" ]; then
  printf '%-28s stored = completed (%s scans; non-2xx: %s)\n' "vitrine QR scan" "$completed" "$non2xx"
elif [ "$stored_wrk" -lt "$completed" ]; then
  printf '%-28s stored %s, completed %s: difference %d: LOST WRITES (non-2xx: %s)\n' "vitrine QR scan" \
    "$stored_wrk" "$completed" $((stored_wrk - completed)) "$non2xx"
else
  printf '%-28s stored %s, completed %s: difference +%d (requests in flight when wrk stopped; non-2xx: %s)\n' \
    "vitrine QR scan" "$stored_wrk" "$completed" $((stored_wrk - completed)) "$non2xx"
fi

# No lost writes: an exact number of scans (ab -n), then a clean stop (SIGTERM writes the queue).
N=${N:-20000}
scans TA-003 > "$OUT/before"
ab -q -k -n "$N" -c 64 -H "$UA" "http://127.0.0.1:18080/O/TA-003/" > "$OUT/ab.txt"
failed=$(awk '/Failed requests/ {print $3}' "$OUT/ab.txt")
kill -TERM $SERVER; wait $SERVER || true
stored=$(scans TA-003)
stored=$((stored - $(cat "$OUT/before")))
echo "scans sent: $N (failed: $failed), scans stored: $stored"
[ "$stored" -eq "$N" ] || { echo "LOST WRITES: $((N - stored))" >&2; exit 1; }
