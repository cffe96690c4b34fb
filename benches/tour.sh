#!/usr/bin/env bash
# Load test of class tours on `vitrine serve` (release build, SQLite, loopback): a teacher's
# assignment is made through the real forms, a student joins, then ab posts answers (each one a
# stored upsert in a transaction of its own) and asks for the tour state the page loads.
# Needs ab and curl (Debian: apache2-utils curl). Prints requests/s and p99 for each, and checks
# that no request failed.
set -euo pipefail
cd "$(dirname "$0")/.."
for c in ab curl; do
  command -v "$c" >/dev/null || { echo "benches/tour.sh needs $c (apt-get install apache2-utils curl)" >&2; exit 1; }
done
N=${N:-20000}
C=${C:-32}
OUT="$PWD/benches/out/tour"
rm -rf "$OUT"; mkdir -p "$OUT"
cargo build --release --quiet
DB="sqlite:$OUT/bench.db"
printf 'bench-teacher-password\n' | VITRINE_DATABASE_URL="$DB" target/release/vitrine user add bench --role teacher >/dev/null
VITRINE_DATABASE_URL="$DB" target/release/vitrine serve --addr 127.0.0.1:18090 \
  --out "$OUT/public" --cache "$PWD/benches/out/serve-cache" 2> "$OUT/vitrine.err" & VITRINE=$!
trap 'kill $VITRINE 2>/dev/null || true' EXIT
B=http://127.0.0.1:18090
for _ in $(seq 600); do curl -sf -o /dev/null "$B/" && break; sleep 0.1; done
J="$OUT/jar"
token() { grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'; }
csrf=$(curl -s -c "$J" -b "$J" "$B/staff/login/" | token)
curl -s -c "$J" -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" -d "username=bench&password=bench-teacher-password" "$B/staff/login/" -o /dev/null
csrf=$(curl -s -c "$J" -b "$J" "$B/teach/new/" | token)
today=$(TZ=Asia/Ho_Chi_Minh date +%F); later=$(TZ=Asia/Ho_Chi_Minh date -d '+7 days' +%F)
at=$(curl -s -c "$J" -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" -d "programme=hoa-lu-thoi-dinh-le&class_name=7A&school=THCS&opens=$today&closes=$later" "$B/teach/new/" -o /dev/null -w '%{redirect_url}')
code=$(curl -s -b "$J" "$at" | grep -o 'id="class-code">[^<]*' | sed 's/.*>//;s/ //g')
student=$(curl -s -D - -o /dev/null -H "Origin: $B" -d "code=$code&name=Bench" "$B/tour/" | grep -io 'vitrine_tour=[0-9a-f]*')
[ -n "$student" ] || { echo "joining the class failed" >&2; exit 1; }
printf 'programme=hoa-lu-thoi-dinh-le&lang=vi&stop=1&choice=0' > "$OUT/answer.txt"
report() { # name file
  local rps p99 failed
  rps=$(awk '/Requests per second/ {print $4}' "$2")
  p99=$(awk '/^  99%/ {print $2}' "$2")
  failed=$(awk '/Failed requests/ {print $3}' "$2")
  non2xx=$(awk '/Non-2xx responses/ {print $3}' "$2")
  printf '%-28s %10s req/s   p99 %4s ms   failed %s   non-2xx %s\n' "$1" "$rps" "$p99" "$failed" "${non2xx:-0}"
}
ab -q -k -n "$N" -c "$C" -C "$student" -H "Origin: $B" -H 'Accept: application/json' \
  -T application/x-www-form-urlencoded -p "$OUT/answer.txt" "$B/tour/answer/" > "$OUT/answer.ab"
report "answers (POST, stored)" "$OUT/answer.ab"
ab -q -k -n "$N" -c "$C" -C "$student" "$B/tour/state.json" > "$OUT/state.ab"
report "tour state (GET)" "$OUT/state.ab"
ab -q -k -n "$N" -c "$C" "$B/p/hoa-lu-thoi-dinh-le/tour/" > "$OUT/page.ab"
report "tour page (GET)" "$OUT/page.ab"
