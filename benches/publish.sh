#!/usr/bin/env bash
# Publish → live on the demo museum through the real server (release build, SQLite, loopback):
# a curator signs in, changes one object's title in the web editor and presses Publish, RUNS times.
# Two times are taken with curl: the editor's save (the form checked and written), and the Publish
# request, which returns once the new site is built, swapped in and served; the page the visitor gets is then checked to show the new title. The
# first publication (a snapshot of every file, and the first build from it) is reported apart.
# Needs curl (and python3 with MUSEUM). Prints each run and the median.
#
# MUSEUM=dir publishes a copy of that museum instead of the demo (benches/scale.sh passes the
# generated one): the object edited is the first object of its first exhibition (lowest `order`,
# then name; the first object listed in its sections that has its folder there).
# VITRINE=path uses that binary instead of `cargo build --release`. CACHE=dir sets the server's
# image cache (default benches/out/serve-cache for the demo, a fresh one in benches/out/publish/
# with MUSEUM). WAIT=seconds bounds the server's start-up build (default 1800).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "benches/publish.sh needs curl" >&2; exit 1; }
RUNS=${RUNS:-7}
MUSEUM=${MUSEUM:-}
WAIT=${WAIT:-1800}
OUT="$PWD/benches/out/publish"
rm -rf "$OUT"; mkdir -p "$OUT/museum"
if [ -n "$MUSEUM" ]; then
  [ -f "$MUSEUM/vitrine.toml" ] && [ -d "$MUSEUM/exhibits" ] \
    || { echo "benches/publish.sh: MUSEUM=$MUSEUM holds no vitrine.toml and exhibits/" >&2; exit 1; }
  command -v python3 >/dev/null || { echo "benches/publish.sh needs python3 with MUSEUM" >&2; exit 1; }
  cp -r "$MUSEUM/." "$OUT/museum/"
  rm -rf "$OUT/museum/.vitrine"
  CACHE=${CACHE:-$OUT/cache}
  # The first object of the first exhibition, read from the files: "slug id".
  sel=$(python3 -c '
import os, sys, tomllib
root = sys.argv[1]
exhibits = []
for slug in sorted(os.listdir(root)):
    f = os.path.join(root, slug, "exhibit.toml")
    if os.path.isfile(f):
        with open(f, "rb") as fh:
            exhibits.append((tomllib.load(fh), slug))
exhibits.sort(key=lambda e: (e[0].get("order", float("inf")), e[1]))
for ex, slug in exhibits:
    objdir = os.path.join(root, slug, "objects")
    have = sorted(os.listdir(objdir)) if os.path.isdir(objdir) else []
    listed = [i for s in ex.get("section", []) for i in s.get("objects", [])]
    for oid in listed + have:
        if os.path.isfile(os.path.join(objdir, oid, "object.toml")):
            print(slug, oid)
            sys.exit(0)
sys.exit("no exhibition under %s has an object folder" % root)
' "$OUT/museum/exhibits") || { echo "benches/publish.sh: cannot find the first object of $MUSEUM" >&2; exit 1; }
  read -r SLUG OBJ_ID <<< "$sel"
else
  cp -r vitrine.toml exhibits static "$OUT/museum/"
  [ -d themes ] && cp -r themes "$OUT/museum/"
  CACHE=${CACHE:-$PWD/benches/out/serve-cache}
  SLUG=co-do-hoa-lu; OBJ_ID=HL-001
fi
if [ -n "${VITRINE:-}" ]; then
  V=$VITRINE
else
  cargo build --release --quiet
  V="$PWD/target/release/vitrine"
fi
[ -x "$V" ] || { echo "benches/publish.sh: no vitrine binary at $V" >&2; exit 1; }
echo "museum: ${MUSEUM:-the demo}; object edited: $OBJ_ID of exhibition $SLUG"
DB="sqlite:$OUT/bench.db"
printf 'bench-curator-password\n' | VITRINE_DATABASE_URL="$DB" "$V" --root "$OUT/museum" user add cur --role curator >/dev/null
# The image cache of earlier runs is kept (benches/out/serve-cache): the start-up build is not
# what is measured.
VITRINE_DATABASE_URL="$DB" "$V" --root "$OUT/museum" serve --addr 127.0.0.1:18091 \
  --cache "$CACHE" 2> "$OUT/vitrine.err" & SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
B=http://127.0.0.1:18091
started=$(date +%s)
until curl -sf -o /dev/null "$B/"; do
  kill -0 $SERVER 2>/dev/null || {
    echo "benches/publish.sh: the server stopped while starting ($OUT/vitrine.err):" >&2
    tail -n 20 "$OUT/vitrine.err" >&2; exit 1; }
  [ $(( $(date +%s) - started )) -lt "$WAIT" ] \
    || { echo "benches/publish.sh: the server did not answer within $WAIT s" >&2; exit 1; }
  sleep 0.1
done
echo "server ready after $(( $(date +%s) - started )) s (its start-up build; not measured)"
J="$OUT/jar"
# field NAME PAGE: the value of the first input NAME. (No `curl | grep -q` pipes: with pipefail,
# grep quitting early makes curl fail with SIGPIPE on a large page, which reads as a failure.)
field() { local re="name=\"$1\" value=\"([^\"]*)\""; [[ $2 =~ $re ]] && printf '%s' "${BASH_REMATCH[1]}"; }
login=$(curl -s -c "$J" -b "$J" "$B/staff/login/")
csrf=$(field csrf "$login") || { echo "benches/publish.sh: no login form at $B/staff/login/" >&2; exit 1; }
curl -s -c "$J" -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" -d "username=cur&password=bench-curator-password" "$B/staff/login/" -o /dev/null
OBJ="$B/staff/content/e/$SLUG/o/$OBJ_ID/"
publish() { # title → prints "save-seconds publish-seconds"
  local page csrf version t live saved
  page=$(curl -s -b "$J" "$OBJ")
  csrf=$(field csrf "$page") || true; version=$(field version "$page") || true
  [ -n "$version" ] || { echo "no editor form at $OBJ" >&2; exit 1; }
  # The editor's save: the form is checked against the museum as it would be, then written.
  saved=$(curl -sf -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" --data-urlencode "version=$version" \
    --data-urlencode "title.vi=$1" "$OBJ" -o "$OUT/saved.html" -w '%{time_total}')
  t=$(curl -sf -b "$J" -H "Origin: $B" --data-urlencode "csrf=$csrf" "$B/staff/content/publish/" \
    -o "$OUT/published.html" -w '%{time_total}')
  grep -q 'id="done"' "$OUT/published.html" || { echo "publishing failed" >&2; exit 1; }
  live=$(curl -s "$B/o/$OBJ_ID/")
  [[ $live == *"$1"* ]] || { echo "the live page /o/$OBJ_ID/ does not show \"$1\"" >&2; exit 1; }
  echo "$saved $t"
}
read -r _ first <<< "$(publish "Gạch xây thành (lần đầu)")"
echo "first publication (snapshot of every file): ${first} s"
: > "$OUT/times"; : > "$OUT/saves"
for i in $(seq "$RUNS"); do
  read -r s t <<< "$(publish "Gạch xây thành (lần $i)")"
  echo "run $i: one object changed, editor save: ${s} s, publish → live: ${t} s"
  echo "$t" >> "$OUT/times"; echo "$s" >> "$OUT/saves"
done
med() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "median of $RUNS: editor save $(med "$OUT/saves") s"
median=$(med "$OUT/times")
echo "median of $RUNS: publish → live ${median} s"
