#!/usr/bin/env bash
# Scale benchmark (issue 14): a generated museum of N objects (benches/gen-museum.py: every field
# in both languages, two paragraphs a language, sections of 300, some related objects, 2 % with a
# small photo) and the same 2N object pages as a one-template Hugo site. Prints, each figure with
# the command that produced it:
#   1. cold build, Vitrine and Hugo alternating, RUNS each: medians of wall, CPU, peak memory, ratios
#   2. rebuilds: nothing changed, one object's description changed, one object's title changed,
#      the next day (the nightly rebuild of vitrine serve)
#   3. output size: bytes, files, bytes per object, top-level folders, largest pages, search index
#   4. import of IMPORT_ROWS new rows into a fresh copy of the museum
#   5. `vitrine serve`: time to the first answer, resident memory after 200 object pages
#   6. publish → live through the real server (benches/publish.sh with MUSEUM=)
#   7. a summary table with the goals of issue 14
#
#   N=5000 RUNS=3 benches/scale.sh             # defaults; N=30000 works too
#   VITRINE=/path/to/vitrine benches/scale.sh  # a given binary (default: cargo build --release)
#   IMPORT_ROWS=5000 PUBLISH_RUNS=3 PORT=18095 SKIP=publish,serve,import
#
# Everything lives in benches/out/scale-N/ (the museum and the Hugo site are generated again only
# when missing, or when N or gen-museum.py changed). At most two copies of the museum exist at a
# time: the generated one, and the copy that an import run or benches/publish.sh works on (removed
# after use). Needs hugo, GNU time, curl and python3 (Debian: hugo time curl python3); missing ones
# are installed with apt-get when running as root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-5000}
RUNS=${RUNS:-3}
IMPORT_ROWS=${IMPORT_ROWS:-$N}
PUBLISH_RUNS=${PUBLISH_RUNS:-3}
PORT=${PORT:-18095}
SKIP=${SKIP:-}
EXHIBIT=trung-bay-1

die() { echo "benches/scale.sh: error: $*" >&2; exit 1; }
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number (got '$N')"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number (got '$RUNS')"
[[ "$IMPORT_ROWS" =~ ^[1-9][0-9]*$ ]] || die "IMPORT_ROWS must be a positive number (got '$IMPORT_ROWS')"
skipped() { [[ ",$SKIP," == *",$1,"* ]]; }

# --- tools -------------------------------------------------------------------------------------
need=()
command -v hugo >/dev/null || need+=(hugo)
[ -x /usr/bin/time ] || need+=(time)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} (apt-get)"
    apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; } \
      || die "apt-get install ${need[*]} failed"
  else
    die "needs ${need[*]} (Debian: apt-get install ${need[*]})"
  fi
fi
if [ -n "${VITRINE:-}" ]; then
  V=$VITRINE
else
  cargo build --release --quiet || die "cargo build --release failed"
  V="$ROOT/target/release/vitrine"
fi
[ -x "$V" ] || die "no vitrine binary at $V (set VITRINE=path)"
V=$(cd "$(dirname "$V")" && pwd)/$(basename "$V")

OUT="$ROOT/benches/out/scale-$N"
M="$OUT/museum"       # the generated museum (never left modified)
H="$OUT/hugo"         # the same pages as a Hugo site
X="$OUT/public"       # Vitrine's output
C="$OUT/cache"        # Vitrine's cache
X2="$OUT/hugo-public" # Hugo's output
COPY="$OUT/museum-copy"
T="$OUT/times"; rm -rf "$T"; mkdir -p "$T"
LOGS="$OUT/logs"; mkdir -p "$LOGS"

# --- cleanup: stop the server, put back edited files, remove the import copy --------------------
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  restore_edits
  rm -rf "$COPY"
}
restore_edits() { # the originals of edited files are kept in $OUT/orig/ (path relative to $M, '/' → '%')
  local f
  [ -d "$OUT/orig" ] || return 0
  for f in "$OUT/orig"/*; do
    [ -e "$f" ] || continue
    cp "$f" "$M/$(basename "$f" | tr '%' '/')"
  done
  rm -rf "$OUT/orig"
}
keep_orig() { # file under $M
  mkdir -p "$OUT/orig"
  local key; key=$(echo "${1#"$M"/}" | tr '/' '%')
  [ -e "$OUT/orig/$key" ] || cp "$1" "$OUT/orig/$key"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -d "$M" ] && restore_edits # a run killed before its cleanup

# --- helpers ----------------------------------------------------------------------------------
show() { # a command as it is run, with the binary as `vitrine` and paths relative to the repository
  local a s=""
  for a in "$@"; do
    [ "$a" = "$V" ] && a=vitrine
    a=${a//"$ROOT"\//}
    s+="$(printf '%q' "$a") "
  done
  printf '%s' "${s% }" | sed 's/\\ / /g'
}
# measure NAME LOG cmd…: runs cmd under GNU time, appends "wall cpu MiB" to $T/NAME and prints it.
measure() {
  local name=$1 log=$2; shift 2
  local tf="$T/.time" wall user sys kib cpu mib
  if ! /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" > "$log" 2>&1; then
    echo "benches/scale.sh: error: this command failed: $(show "$@")" >&2
    echo "--- last lines of its output ($log):" >&2; tail -n 30 "$log" >&2
    exit 1
  fi
  read -r wall user sys kib < <(tail -n 1 "$tf")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
  mib=$(awk -v k="$kib" 'BEGIN {printf "%.0f", k / 1024}')
  echo "$wall $cpu $mib" >> "$T/$name"
  printf '      wall %7.2f s   cpu %7.2f s (user %.2f + sys %.2f)   peak %5d MiB\n' "$wall" "$cpu" "$user" "$sys" "$mib"
}
# median NAME COLUMN (1 wall, 2 cpu, 3 MiB)
median() {
  [ -s "$T/$1" ] || die "no measurement named $1"
  awk -v c="$2" '{print $c}' "$T/$1" | sort -g | awk -v c="$2" '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf (c == 3 ? "%.0f\n" : "%.2f\n"), m}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "n/a"; else printf "%.2f", a / b}'; }
human() { awk -v b="$1" 'BEGIN {split("B KB MB GB", u); i = 1; while (b >= 1000 && i < 4) {b /= 1000; i++}; printf (i == 1 ? "%d %s" : "%.1f %s"), b, u[i]}'; }
gz() { gzip -9 -c "$1" | wc -c; }
SUMMARY=()
row() { SUMMARY+=("$1|$2|$3|$4"); } # figure | value | goal | met?
verdict() { awk -v v="$1" -v g="$2" 'BEGIN {print (v + 0 <= g + 0) ? "yes" : "NO"}'; }
section() { echo; echo "== $* =="; }

# --- 0. the museum and the Hugo site --------------------------------------------------------------
echo "Vitrine scale benchmark: N=$N objects, RUNS=$RUNS, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
echo "vitrine: $V ($("$V" --version 2>/dev/null || echo 'unknown version'))"
echo "hugo:    $(hugo version | cut -d' ' -f1-2)"
echo "folder:  ${OUT#"$ROOT"/}"
busy=$(ps -eo comm= | grep -cE '^(rustc|cargo|cc1|ld|hugo|vitrine)' || true)
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (load average 1/5/15 min); compilers or builds running now: $busy"
stamp="N=$N gen=$(md5sum benches/gen-museum.py | cut -d' ' -f1)"
if [ -f "$OUT/.generated" ] && [ "$(cat "$OUT/.generated")" = "$stamp" ] && [ -d "$M" ] && [ -d "$H" ]; then
  echo "museum and Hugo site: kept from an earlier run ($stamp)"
else
  rm -rf "$M" "$H" "$X" "$C" "$X2" "$OUT/.generated"
  echo "\$ python3 benches/gen-museum.py ${M#"$ROOT"/} $N --hugo ${H#"$ROOT"/}"
  started=$(date +%s.%N)
  python3 benches/gen-museum.py "$M" "$N" --hugo "$H" || die "gen-museum.py failed"
  echo "$stamp" > "$OUT/.generated"
  echo "  generated in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
fi
rm -rf "$M/.vitrine" # what an earlier serve left (its secret, its database is outside)
mapfile -t OBJDIRS < <(find "$M/exhibits" -mindepth 3 -maxdepth 3 -path '*/objects/*' -type d | sort)
[ "${#OBJDIRS[@]}" -eq "$N" ] || die "the museum has ${#OBJDIRS[@]} object folders, expected $N (remove $OUT and run again)"
hugo_pages=$(find "$H/content" -name '*.md' | wc -l)
echo "museum: $N objects in $(find "$M/exhibits" -mindepth 1 -maxdepth 1 -type d | wc -l) exhibitions, $(find "$M/exhibits" -name 'photo.png' | wc -l) with a photo, $(du -sh "$M" | cut -f1) on disk; Hugo site: $hugo_pages pages"

# --- 1. cold build -----------------------------------------------------------------------------
section "1. cold build: Vitrine and Hugo alternating, $RUNS run(s) each, no cache and no previous output"
echo "  measured with: /usr/bin/time -f '%e %U %S %M' (wall s, user s, sys s, max RSS KiB)"
cmd_v=("$V" --root "$M" build --quiet --out "$X" --cache "$C")
cmd_h=(hugo --quiet -s "$H" -d "$X2")
for i in $(seq "$RUNS"); do
  echo "  run $i"
  # The spare tree beside the output (the previous site, see README "Incremental and safe
  # output") goes too: a cold build has no previous output at all.
  SPARE="$(dirname "$X")/.$(basename "$X").spare"
  rm -rf "$X" "$C" "$SPARE"
  echo "    \$ rm -rf ${X#"$ROOT"/} ${SPARE#"$ROOT"/} ${C#"$ROOT"/}; $(show "${cmd_v[@]}")"
  measure vitrine-cold "$LOGS/vitrine-cold.log" "${cmd_v[@]}"
  rm -rf "$X2"
  echo "    \$ rm -rf ${X2#"$ROOT"/}; $(show "${cmd_h[@]}")"
  measure hugo-cold "$LOGS/hugo-cold.log" "${cmd_h[@]}"
done
[ -f "$X/index.html" ] && [ -f "$X/o/$(basename "${OBJDIRS[0]}")/index.html" ] || die "Vitrine's output lacks index.html or an object page"
v_pages=$(find "$X" -name '*.html' | wc -l); h_pages=$(find "$X2" -name '*.html' | wc -l)
[ "$h_pages" -ge "$hugo_pages" ] || die "Hugo wrote $h_pages pages for $hugo_pages sources"
vw=$(median vitrine-cold 1); vc=$(median vitrine-cold 2); vm=$(median vitrine-cold 3)
hw=$(median hugo-cold 1); hc=$(median hugo-cold 2); hm=$(median hugo-cold 3)
COLD=$vw
echo "  medians of $RUNS           wall        cpu      peak    HTML pages"
printf '    vitrine          %7.2f s  %7.2f s  %5d MiB  %6d\n' "$vw" "$vc" "$vm" "$v_pages"
printf '    hugo             %7.2f s  %7.2f s  %5d MiB  %6d\n' "$hw" "$hc" "$hm" "$h_pages"
printf '    vitrine / hugo   %7s ×  %7s ×  %5s ×\n' "$(ratio "$vw" "$hw")" "$(ratio "$vc" "$hc")" "$(ratio "$vm" "$hm")"
row "cold build, wall (vitrine / hugo)" "$vw s / $hw s = $(ratio "$vw" "$hw")×" "≤ 0.5×" "$(verdict "$(ratio "$vw" "$hw")" 0.5)"
row "cold build, CPU (vitrine / hugo)" "$vc s / $hc s = $(ratio "$vc" "$hc")×" "—" ""
peak_ok=$(verdict "$vm" "$hm")
[ "$N" -ge 30000 ] && peak_ok="$peak_ok; < 512 MiB: $(verdict "$vm" 511.99)"
row "cold build, peak memory (vitrine / hugo)" "$vm MiB / $hm MiB = $(ratio "$vm" "$hm")×" "≤ hugo; < 512 MiB at 30,000" "$peak_ok"

# --- 2. rebuilds ---------------------------------------------------------------------------------
section "2. rebuilds (Vitrine, same --out and --cache as the completed build before), $RUNS run(s) each"
MID=${OBJDIRS[$((N / 2))]}; MID_ID=$(basename "$MID")
echo "  object edited: $MID_ID (${MID#"$ROOT"/})"
echo "  (a) nothing changed"
echo "    \$ $(show "${cmd_v[@]}")"
for i in $(seq "$RUNS"); do measure vitrine-noop "$LOGS/vitrine-noop.log" "${cmd_v[@]}"; done
echo "  (b) one object's description changed (a sentence added to vi.md, different each run)"
keep_orig "$MID/vi.md"; orig_md="$OUT/orig/$(echo "${MID#"$M"/}/vi.md" | tr '/' '%')"
for i in $(seq "$RUNS"); do
  mark="Ghi chú biên tập lần $i, mã $RANDOM$RANDOM."
  { cat "$orig_md"; printf '\n%s\n' "$mark"; } > "$MID/vi.md"
  echo "    \$ echo '$mark' >> ${MID#"$ROOT"/}/vi.md; $(show "${cmd_v[@]}")"
  measure vitrine-desc "$LOGS/vitrine-desc.log" "${cmd_v[@]}"
  grep -qF "$mark" "$X/o/$MID_ID/index.html" || die "after the rebuild, o/$MID_ID/index.html does not show the changed description"
done
echo "  (c) one object's title changed (Vietnamese title in object.toml, different each run)"
keep_orig "$MID/object.toml"; orig_toml="$OUT/orig/$(echo "${MID#"$M"/}/object.toml" | tr '/' '%')"
for i in $(seq "$RUNS"); do
  new="Sửa $i $RANDOM –"
  sed "s/^title = { vi = \"/title = { vi = \"$new /" "$orig_toml" > "$MID/object.toml"
  grep -qF "$new" "$MID/object.toml" || die "could not change the title line of $MID/object.toml"
  echo "    \$ sed -i 's/^title = { vi = \"/&$new /' ${MID#"$ROOT"/}/object.toml; $(show "${cmd_v[@]}")"
  measure vitrine-title "$LOGS/vitrine-title.log" "${cmd_v[@]}"
  grep -qF "$new" "$X/o/$MID_ID/index.html" || die "after the rebuild, o/$MID_ID/index.html does not show the new title"
done
echo "  (d) the next day: nothing changed but the date (what vitrine serve does after midnight; SOURCE_DATE_EPOCH a day later each run)"
for i in $(seq "$RUNS"); do
  day=$(( $(date +%s) + i * 86400 ))
  echo "    \$ SOURCE_DATE_EPOCH=$day $(show "${cmd_v[@]}")"
  measure vitrine-day "$LOGS/vitrine-day.log" env SOURCE_DATE_EPOCH="$day" "${cmd_v[@]}"
done
restore_edits
echo "  (the edits undone, then one rebuild so that the output matches the museum again; not counted)"
"${cmd_v[@]}" > "$LOGS/vitrine-restore.log" 2>&1 || { tail -n 30 "$LOGS/vitrine-restore.log" >&2; die "the rebuild after undoing the edits failed"; }
na=$(median vitrine-noop 1); nb=$(median vitrine-desc 1); nc=$(median vitrine-title 1); nd=$(median vitrine-day 1)
echo "  medians of $RUNS             wall     × cold build ($COLD s)   peak"
printf '    (a) nothing changed   %7.2f s   %6s ×                 %5d MiB\n' "$na" "$(ratio "$na" "$COLD")" "$(median vitrine-noop 3)"
printf '    (b) one description   %7.2f s   %6s ×                 %5d MiB\n' "$nb" "$(ratio "$nb" "$COLD")" "$(median vitrine-desc 3)"
printf '    (c) one title         %7.2f s   %6s ×                 %5d MiB\n' "$nc" "$(ratio "$nc" "$COLD")" "$(median vitrine-title 3)"
printf '    (d) the next day      %7.2f s   %6s ×                 %5d MiB\n' "$nd" "$(ratio "$nd" "$COLD")" "$(median vitrine-day 3)"
row "rebuild, nothing changed" "$na s = $(ratio "$na" "$COLD")× cold" "≤ 0.05× cold" "$(verdict "$(ratio "$na" "$COLD")" 0.05)"
row "rebuild, one description changed" "$nb s = $(ratio "$nb" "$COLD")× cold" "≤ 0.1× cold" "$(verdict "$(ratio "$nb" "$COLD")" 0.1)"
row "rebuild, one title changed" "$nc s = $(ratio "$nc" "$COLD")× cold" "≤ 0.1× cold" "$(verdict "$(ratio "$nc" "$COLD")" 0.1)"
row "rebuild for the next day (nightly, serve)" "$nd s = $(ratio "$nd" "$COLD")× cold" "≤ 1× cold" "$(verdict "$(ratio "$nd" "$COLD")" 1)"

# --- 3. output size ------------------------------------------------------------------------------
section "3. output size (${X#"$ROOT"/})"
bytes=$(du -sb "$X" | cut -f1); disk=$(( $(du -sk "$X" | cut -f1) * 1024 ))
files=$(find "$X" -type f | wc -l); linked=$(find "$X" -type f -links +1 | wc -l)
echo "  \$ du -sb; du -sk; find -type f | wc -l"
echo "    $bytes bytes ($(human "$bytes")), $(human "$disk") on disk, $files files ($linked of them with more than one hard link)"
echo "    per object: $((bytes / N)) bytes ($(human $((bytes / N)))), $(human $((disk / N))) on disk"
row "output (apparent size)" "$(human "$bytes"), $files files, $(human $((bytes / N))) per object" "smaller (issue: 259 MB at 5,000)" ""
row "output on disk" "$(human "$disk"), $(human $((disk / N))) per object" "—" ""
echo "  \$ du -sb each first-level entry (each counted alone: a hard-linked file counts in every folder)"
for e in "$X"/* "$X"/.[!.]*; do
  [ -e "$e" ] || continue
  printf '%s\t%s\t%s\n' "$(du -sb "$e" | cut -f1)" "$(find "$e" -type f | wc -l)" "$(basename "$e")$([ -d "$e" ] && echo /)"
done | sort -rn | while IFS=$'\t' read -r b n name; do printf '    %12s  %-10s %7d files  %s\n' "$b" "$(human "$b")" "$n" "$name"; done
echo "  \$ find -name '*.html' -printf '%s %P\\n' | sort -n | tail -1"
read -r big_b big_p < <(find "$X" -type f -name '*.html' -printf '%s %P\n' | sort -n | tail -1)
echo "    largest HTML file: $big_p, $big_b bytes ($(human "$big_b"); gzip -9: $(human "$(gz "$X/$big_p")"))"
row "largest HTML file" "$big_p $(human "$big_b")" "—" ""
# Pages a visitor opens that list objects: home, exhibition, section and list pages (not label sheets).
list_re='^(en/)?(index[.]html|e/index[.]html|p/index[.]html|o/index[.]html|e/.+/index[.]html)$'
read -r lp_b lp_p < <(find "$X" -type f -name '*.html' -printf '%s %P\n' | awk -v re="$list_re" '$2 ~ re && $2 !~ /\/labels\//' | sort -n | tail -1)
echo "  \$ the same for home, exhibition, section and list pages: ^(en/)?(index|e/…/index|p/index|o/index).html, not label sheets"
echo "    largest: $lp_p, $lp_b bytes ($(human "$lp_b"); gzip -9: $(human "$(gz "$X/$lp_p")"))"
row "largest exhibition/section/list page" "$lp_p $(human "$lp_b")" "≤ 150 KB (at 30,000)" "$(verdict "$lp_b" 150000)"
if read -r lb_b lb_p < <(find "$X" -type f -name '*.html' -printf '%s %P\n' | awk '$2 ~ /\/labels\//' | sort -n | tail -1); then
  echo "    largest label sheet: $lb_p, $lb_b bytes ($(human "$lb_b"))"
  row "largest label sheet" "$lb_p $(human "$lb_b")" "per section or range" ""
fi
echo "  search (${X#"$ROOT"/}/search/)"
echo "    \$ du -sb search; find search -type f"
sbytes=$(du -sb "$X/search" | cut -f1)
mapfile -t shards < <(cd "$X/search" && find . -type f ! -name index.html ! -path ./vi.json ! -path ./en.json -printf '%s %P\n' | sort -n)
echo "    everything under search/: $sbytes bytes ($(human "$sbytes")), $(find "$X/search" -type f | wc -l) files"
if [ "${#shards[@]}" -gt 0 ]; then
  read -r sh_b sh_p <<< "${shards[-1]}"
  echo "    shard layout: ${#shards[@]} files besides the page (and vi.json/en.json, if any); largest shard: search/$sh_p, $sh_b bytes ($(human "$sh_b"); gzip -9: $(human "$(gz "$X/search/$sh_p")"))"
  for f in vi.json en.json; do [ -f "$X/search/$f" ] && echo "    search/$f (fetched first): $(stat -c %s "$X/search/$f") bytes"; done
  row "search, largest shard (bytes per query)" "$(human "$sh_b") (gzip $(human "$(gz "$X/search/$sh_p")"))" "≤ 300 KB (at 30,000)" "$(verdict "$sh_b" 300000)"
else
  for f in vi.json en.json; do
    [ -f "$X/search/$f" ] || die "no search/$f and no shards under search/"
    b=$(stat -c %s "$X/search/$f")
    echo "    no shards: bytes per query = search/$f, $b bytes ($(human "$b"); gzip -9: $(human "$(gz "$X/search/$f")"))"
    row "search bytes per query ($f, whole index)" "$(human "$b") (gzip $(human "$(gz "$X/search/$f")"))" "≤ 300 KB (at 30,000)" "$(verdict "$b" 300000)"
  done
fi

# --- 4. import -------------------------------------------------------------------------------------
if skipped import; then echo; echo "== 4. import: skipped (SKIP=$SKIP) =="; else
section "4. import of $IMPORT_ROWS new rows into a fresh copy of the museum, $RUNS run(s)"
sheet_out="$OUT/export.csv"; sheet_in="$OUT/import.csv"
echo "  \$ $(show "$V" --root "$M" export "$sheet_out" --exhibit "$EXHIBIT")"
"$V" --root "$M" export "$sheet_out" --exhibit "$EXHIBIT" > "$LOGS/export.log" 2>&1 || { cat "$LOGS/export.log" >&2; die "export failed"; }
echo "    $(tail -n 1 "$LOGS/export.log")"
# Every row a new object: ID NEW-00001…, titles prefixed, photos left out (they are not beside the
# sheet), cycling through the exported rows until IMPORT_ROWS rows; header and other columns kept.
python3 - "$sheet_out" "$sheet_in" "$IMPORT_ROWS" <<'EOF' || die "could not rewrite the sheet"
import csv, sys, unicodedata
src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
if not body:
    sys.exit("the exported sheet has no rows")
norm = lambda h: unicodedata.normalize("NFC", h).strip().lower()
def col(*names):
    return [i for i, h in enumerate(head) if any(norm(h).startswith(n) for n in names)]
ids = col("số hiệu", "id", "accession number")
titles = col("tên hiện vật", "title")
images = col("ảnh", "images")
if len(ids) != 1 or not titles:
    sys.exit("cannot find the ID and title columns in %r" % head)
out = []
for k in range(want):
    r = list(body[k % len(body)])
    r[ids[0]] = "NEW-%05d" % (k + 1)
    for t in titles:
        r[t] = "Mới %d – %s" % (k + 1, r[t])
    for c in images:
        r[c] = ""
    out.append(r)
with open(dst, "w", encoding="utf-8-sig", newline="") as f:
    w = csv.writer(f)
    w.writerow(head)
    w.writerows(out)
print("    %d rows exported from the exhibition, %d rows written to the sheet (IDs NEW-00001…, titles prefixed, photos left out)" % (len(body), len(out)))
EOF
cmd_i=("$V" --root "$COPY" import "$sheet_in" --exhibit "$EXHIBIT")
for i in $(seq "$RUNS"); do
  rm -rf "$COPY"; cp -r "$M" "$COPY"; rm -rf "$COPY/.vitrine"
  echo "    \$ rm -rf museum-copy; cp -r museum museum-copy (not timed); $(show "${cmd_i[@]}")"
  measure vitrine-import "$LOGS/vitrine-import.log" "${cmd_i[@]}"
  made=$(find "$COPY/exhibits/$EXHIBIT/objects" -mindepth 1 -maxdepth 1 -name 'NEW-*' -type d | wc -l)
  [ "$made" -eq "$IMPORT_ROWS" ] || { tail -n 20 "$LOGS/vitrine-import.log" >&2; die "the import made $made object folders, expected $IMPORT_ROWS"; }
  rm -rf "$COPY"
done
echo "    its report: $(grep -v '^\s*$' "$LOGS/vitrine-import.log" | tail -n 1)"
im=$(median vitrine-import 1)
echo "  median of $RUNS: $im s for $IMPORT_ROWS rows ($(awk -v n="$IMPORT_ROWS" -v t="$im" 'BEGIN {printf "%.0f", n / t}') rows/s), peak $(median vitrine-import 3) MiB, $(ratio "$im" "$COLD")× the cold build"
row "import of $IMPORT_ROWS new rows" "$im s = $(ratio "$im" "$COLD")× cold, peak $(median vitrine-import 3) MiB" "≤ 1× cold" "$(verdict "$(ratio "$im" "$COLD")" 1)"
fi

# --- 5. serve --------------------------------------------------------------------------------------
if skipped serve; then echo; echo "== 5. serve: skipped (SKIP=$SKIP) =="; else
section "5. vitrine serve: start-up and resident memory (after a completed build into the same --out)"
DBF="$OUT/serve.db"; rm -f "$DBF" "$DBF"-wal "$DBF"-shm
B="http://127.0.0.1:$PORT"
curl -s -o /dev/null --max-time 1 "$B/" && die "something already answers on $B (PORT=…)"
cmd_s=("$V" --root "$M" serve --addr "127.0.0.1:$PORT" --out "$X" --cache "$C")
echo "  \$ VITRINE_DATABASE_URL=sqlite:${DBF#"$ROOT"/} $(show "${cmd_s[@]}") &"
echo "    then curl $B/ every 50 ms until it answers 200"
t0=$(date +%s%N)
VITRINE_DATABASE_URL="sqlite:$DBF" "${cmd_s[@]}" > "$LOGS/serve.log" 2>&1 & SERVER=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$B/" || true)" = 200 ]; do
  kill -0 "$SERVER" 2>/dev/null || { tail -n 30 "$LOGS/serve.log" >&2; SERVER=""; die "vitrine serve stopped before answering"; }
  [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 1800 ] || die "vitrine serve did not answer within 30 minutes"
  sleep 0.05
done
t1=$(date +%s%N)
startup=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
rss0=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status")
echo "    first 200 on / after $startup s (it builds first: nothing changed since the last build); VmRSS then: $rss0 MiB"
UA='Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36'
step=$(( N > 200 ? N / 200 : 1 )); asked=0; bad=0
echo "  \$ curl -A '<phone>' $B/o/<ID>/ for 200 different objects (one in $step), then VmRSS/VmHWM from /proc/PID/status"
for ((k = 0; k < N && asked < 200; k += step)); do
  id=$(basename "${OBJDIRS[$k]}")
  code=$(curl -s -o /dev/null -w '%{http_code}' -A "$UA" "$B/o/$id/" || true)
  [ "$code" = 200 ] || bad=$((bad + 1))
  asked=$((asked + 1))
done
[ "$bad" -eq 0 ] || die "$bad of $asked object pages did not answer 200"
rss=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status")
hwm=$(awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status")
echo "    after $asked object pages: VmRSS $rss MiB (peak VmHWM $hwm MiB, the start-up build included)"
kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=""
row "serve start-up (to the first 200 on /)" "$startup s" "measured, bounded" ""
row "serve resident memory (after 200 pages)" "$rss MiB (VmHWM $hwm MiB)" "measured, bounded" ""
fi

# --- 6. publish → live ------------------------------------------------------------------------------
if skipped publish; then echo; echo "== 6. publish: skipped (SKIP=$SKIP) =="; else
section "6. publish → live through the real server, one object changed"
echo "  \$ MUSEUM=${M#"$ROOT"/} VITRINE=$(show "$V") RUNS=$PUBLISH_RUNS bash benches/publish.sh"
MUSEUM="$M" VITRINE="$V" RUNS="$PUBLISH_RUNS" bash benches/publish.sh > "$LOGS/publish.log" 2>&1 \
  || { sed 's/^/    /' "$LOGS/publish.log" >&2; rm -rf "$ROOT/benches/out/publish"; die "benches/publish.sh failed"; }
sed 's/^/    /' "$LOGS/publish.log"
rm -rf "$ROOT/benches/out/publish" # its copy of the museum
pm=$(awk '/^median of .*publish → live/ {printf "%.2f", $(NF-1)}' "$LOGS/publish.log")
ps=$(awk '/^median of .*editor save/ {printf "%.3f", $(NF-1)}' "$LOGS/publish.log")
pf=$(awk '/^first publication/ {printf "%.2f", $(NF-1)}' "$LOGS/publish.log")
[ -n "$pm" ] && [ -n "$ps" ] || die "no medians in the output of benches/publish.sh"
row "publish → live, one object changed" "$pm s (first publication: $pf s)" "< 1 s" "$(verdict "$pm" 0.999)"
row "editor save of one object" "$ps s" "< 300 ms" "$(verdict "$ps" 0.3)"
fi

# --- 7. summary --------------------------------------------------------------------------------------
section "summary: N=$N objects, medians of $RUNS, $V"
printf '%s\n' "${SUMMARY[@]}" | python3 -c '
import sys
rows = [["figure", "value", "goal (issue 14)", "met"]] + [l.rstrip("\n").split("|") for l in sys.stdin if l.strip()]
w = [max(len(r[i]) for r in rows) for i in range(4)]
rows.insert(1, ["-" * x for x in w])
for r in rows:
    print("  " + "  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
'
echo "  load at the end: $(cut -d' ' -f1-3 /proc/loadavg) (load average 1/5/15 min; this machine has $(nproc) cores)"
