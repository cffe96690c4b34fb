#!/usr/bin/env bash
# Load benchmark of quiz-contest entries (issue 16): the demo museum with its contest's second
# round opened from yesterday to next month, served by `vitrine serve` on loopback, on SQLite and,
# when PostgreSQL answers on 127.0.0.1:5432 (database `test`), on PostgreSQL. ENTRANTS simulated
# entrants (default 2000), CONC at a time (default 32), each from its own loopback address: start
# an entry, open the sheet, send the answers. Prints entries/s and the latency of each step, then
# checks that the database holds exactly as many sent sheets as the client completed.
# VITRINE=path uses that binary instead of `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRANTS=${ENTRANTS:-2000}
CONC=${CONC:-32}
OUT="$PWD/benches/out/contest"
rm -rf "$OUT"; mkdir -p "$OUT/site"
if [ -n "${VITRINE:-}" ]; then V=$VITRINE; else cargo build --release --quiet; V="$PWD/target/release/vitrine"; fi
cp -r vitrine.toml exhibits events contests themes static "$OUT/site/"
python3 - "$OUT/site/contests/thi-tim-hieu-di-san-ninh-binh.toml" <<'PY'
import datetime, re, sys
p = sys.argv[1]
s = open(p).read()
d = datetime.date.today()
s = re.sub(r"opens = 2027-04-18T08:00:00", f"opens = {d - datetime.timedelta(days=1)}T08:00:00", s)
s = re.sub(r"closes = 2027-05-18T20:00:00", f"closes = {d + datetime.timedelta(days=30)}T20:00:00", s)
open(p, "w").write(s)
PY
"$V" build --quiet --root "$OUT/site" --out "$OUT/public" --cache "$PWD/benches/out/serve-cache"

run() { # name database-url
  local name=$1 db=$2 port=18090
  VITRINE_DATABASE_URL="$db" "$V" serve --root "$OUT/site" --addr 127.0.0.1:$port \
    --out "$OUT/public" --cache "$PWD/benches/out/serve-cache" 2> "$OUT/$name.err" & SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/thi/thi-tim-hieu-di-san-ninh-binh/" && break; sleep 0.1; done
  echo "== $name"
  python3 benches/contest_load.py "http://127.0.0.1:$port" thi-tim-hieu-di-san-ninh-binh "$ENTRANTS" "$CONC" | tee "$OUT/$name.txt"
  kill $SERVER; wait $SERVER 2>/dev/null || true
  local sent stored
  sent=$(awk -F= '/^SENT=/ {print $2}' "$OUT/$name.txt")
  if [ "$name" = sqlite ]; then
    stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM contest_entries WHERE submitted_ms IS NOT NULL').fetchone()[0])" "$OUT/bench.db")
  else
    stored=$(psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT COUNT(*) FROM bench_contest.contest_entries WHERE submitted_ms IS NOT NULL")
  fi
  echo "  stored sent sheets: $stored (client completed $sent)"
  [ "$stored" = "$sent" ] || { echo "benches/contest.sh: $name stored $stored sheets, the client completed $sent" >&2; exit 1; }
}
run sqlite "sqlite:$OUT/bench.db"
if pg_isready -q -h 127.0.0.1 -p 5432; then
  PGOPTIONS=--client-min-messages=warning psql -q -h 127.0.0.1 -U postgres -d test \
    -c "DROP SCHEMA IF EXISTS bench_contest CASCADE" -c "CREATE SCHEMA bench_contest" >/dev/null
  run postgres "postgres://postgres@127.0.0.1:5432/test?search_path=bench_contest"
else
  echo "== postgres: skipped (nothing on 127.0.0.1:5432)"
fi
