#!/usr/bin/env bash
# Publish → live on the demo museum through the real server (release build, SQLite, loopback):
# a curator signs in, changes one object's title in the web editor and presses Publish, RUNS times.
# The time is curl's total for the Publish request, which returns once the new site is built,
# swapped in and served; the page the visitor gets is then checked to show the new title. The
# first publication (a snapshot of every file, and the first build from it) is reported apart.
# Needs curl. Prints each run and the median.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "benches/publish.sh needs curl" >&2; exit 1; }
RUNS=${RUNS:-7}
OUT="$PWD/benches/out/publish"
rm -rf "$OUT"; mkdir -p "$OUT/museum"
cp -r vitrine.toml exhibits static "$OUT/museum/"
[ -d themes ] && cp -r themes "$OUT/museum/"
cargo build --release --quiet
V="$PWD/target/release/vitrine"
DB="sqlite:$OUT/bench.db"
printf 'bench-curator-password\n' | VITRINE_DATABASE_URL="$DB" "$V" --root "$OUT/museum" user add cur --role curator >/dev/null
# The image cache of earlier runs is kept (benches/out/serve-cache): the start-up build is not
# what is measured.
VITRINE_DATABASE_URL="$DB" "$V" --root "$OUT/museum" serve --addr 127.0.0.1:18091 \
  --cache "$PWD/benches/out/serve-cache" 2> "$OUT/vitrine.err" & VITRINE=$!
trap 'kill $VITRINE 2>/dev/null || true' EXIT
B=http://127.0.0.1:18091
for _ in $(seq 1200); do curl -sf -o /dev/null "$B/" && break; sleep 0.1; done
J="$OUT/jar"
field() { grep -o "name=\"$1\" value=\"[^\"]*\"" | head -1 | sed 's/.*value="//;s/"$//'; }
csrf=$(curl -s -c "$J" -b "$J" "$B/staff/login/" | field csrf)
curl -s -c "$J" -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" -d "username=cur&password=bench-curator-password" "$B/staff/login/" -o /dev/null
OBJ="$B/staff/content/e/co-do-hoa-lu/o/HL-001/"
publish() { # title → prints seconds
  local page csrf version t
  page=$(curl -s -b "$J" "$OBJ")
  csrf=$(printf '%s' "$page" | field csrf); version=$(printf '%s' "$page" | field version)
  curl -sf -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" --data-urlencode "version=$version" \
    --data-urlencode "title.vi=$1" "$OBJ" -o /dev/null
  t=$(curl -sf -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" "$B/staff/content/publish/" \
    -o "$OUT/published.html" -w '%{time_total}')
  grep -q 'id="done"' "$OUT/published.html" || { echo "publishing failed" >&2; exit 1; }
  curl -s "$B/o/HL-001/" | grep -qF "$1" || { echo "the live page does not show \"$1\"" >&2; exit 1; }
  echo "$t"
}
first=$(publish "Gạch xây thành (lần đầu)")
echo "first publication (snapshot of every file): ${first} s"
: > "$OUT/times"
for i in $(seq "$RUNS"); do
  t=$(publish "Gạch xây thành (lần $i)")
  echo "run $i: one object changed, publish → live: ${t} s"
  echo "$t" >> "$OUT/times"
done
median=$(sort -n "$OUT/times" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
echo "median of $RUNS: ${median} s"
