#!/usr/bin/env bash
# Media benchmark: Vitrine's derivative pipeline against libvips' vipsthumbnail on the same large
# photographs, widths and formats, and a warm rebuild of 1,000 unchanged objects.
#
#   benches/media.sh [PHOTOS]        (default 6 photographs of 24 MP)
#
# Needs: cargo, vips + vipsthumbnail (Debian libvips-tools), GNU time (Debian time). Photographs are
# generated here (smooth random texture, 6000×4000, JPEG quality 90), never committed. Everything is
# written under benches/out/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-6}"
WIDTHS=(400 800 1600 2400)
OUT=benches/out
for tool in vips vipsthumbnail /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install libvips-tools time" >&2; exit 1; }
done
cargo build --release --quiet
BIN="$PWD/target/release/vitrine"
rm -rf "$OUT"; mkdir -p "$OUT/photos"

echo "== generating $N photographs of 6000×4000 (24 MP)"
for i in $(seq 1 "$N"); do
  for band in r g b; do
    vips gaussnoise "$OUT/n$band.v" 6000 4000 --mean 128 --sigma 90 --seed $((i * 7 + ${#band} + RANDOM))
    vips gaussblur "$OUT/n$band.v" "$OUT/b$band.v" 6
  done
  vips bandjoin "$OUT/br.v $OUT/bg.v $OUT/bb.v" "$OUT/rgb.v"
  vips cast "$OUT/rgb.v" "$OUT/photos/photo$i.jpg[Q=90]" uchar
done
rm -f "$OUT"/*.v
ls -la "$OUT/photos"

# A museum with one object per photograph; derivatives only (no deep-zoom tiles), as vipsthumbnail.
site="$OUT/site"
mkdir -p "$site/exhibits/bench/objects"
cat > "$site/vitrine.toml" <<TOML
format = 1
base_url = "https://bench.example"
[museum]
name = { vi = "Bảo tàng thử", en = "Benchmark museum" }
[images]
widths = [400, 800, 1600, 2400]
quality = 80
deep_zoom = false
TOML
objects=""
for i in $(seq 1 "$N"); do
  id=$(printf 'B-%03d' "$i")
  mkdir -p "$site/exhibits/bench/objects/$id"
  ln -f "$OUT/photos/photo$i.jpg" "$site/exhibits/bench/objects/$id/photo.jpg"
  cat > "$site/exhibits/bench/objects/$id/object.toml" <<TOML
id = "$id"
title = { vi = "Ảnh $i", en = "Photo $i" }
date = { display = { vi = "2026", en = "2026" }, from = 2026, to = 2026 }
[[image]]
file = "photo.jpg"
alt = { vi = "Ảnh thử", en = "Test photo" }
TOML
  objects="$objects\"$id\", "
done
cat > "$site/exhibits/bench/exhibit.toml" <<TOML
title = { vi = "Thử", en = "Benchmark" }
status = "published"
[[section]]
title = { vi = "Ảnh", en = "Photos" }
objects = [${objects%, }]
TOML

measure() { # measure NAME COMMAND... → prints "NAME wall_s peak_MiB"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/err.txt" || { cat "$OUT/err.txt" >&2; exit 1; }
  read -r wall kb < "$OUT/time.txt"
  echo "$name $wall $((kb / 1024))"
}

echo "== cold derivative build: $N photos × ${#WIDTHS[@]} widths × (WebP + JPEG)"
rm -rf "$site/public" "$site/.vitrine"
read -r _ v_wall v_mem < <(measure vitrine "$BIN" --root "$site" build --quiet)

echo "== libvips: vipsthumbnail once per photo, width and format, two at a time"
mkdir -p "$OUT/vips"
jobs="$OUT/vips-jobs.txt"; : > "$jobs"
for i in $(seq 1 "$N"); do
  for w in "${WIDTHS[@]}"; do
    echo "$OUT/photos/photo$i.jpg --size ${w}x -o $PWD/$OUT/vips/p$i-$w.webp[Q=80,strip]" >> "$jobs"
    echo "$OUT/photos/photo$i.jpg --size ${w}x -o $PWD/$OUT/vips/p$i-$w.jpg[Q=80,strip]" >> "$jobs"
  done
done
read -r _ l_wall l_mem < <(measure libvips xargs -P 2 -L 1 vipsthumbnail < "$jobs")

echo
printf '%-28s %10s %14s\n' "" "wall (s)" "peak RSS (MiB)"
printf '%-28s %10s %14s\n' "vitrine build (cold)" "$v_wall" "$v_mem"
printf '%-28s %10s %14s\n' "vipsthumbnail ×$((N * 8))" "$l_wall" "$l_mem"
awk -v a="$v_wall" -v b="$l_wall" -v c="$v_mem" -v d="$l_mem" \
  'BEGIN { printf "ratio vitrine/libvips: time %.2f×, peak memory %.2f× (libvips per process)\n", a / b, c / d }'

echo
echo "== warm rebuild of 1,000 unchanged objects (1200×800 photos, tiles off)"
big="$OUT/big"
mkdir -p "$big/exhibits/many/objects"
cp "$site/vitrine.toml" "$big/vitrine.toml"
vips thumbnail "$OUT/photos/photo1.jpg" "$OUT/small.jpg[Q=85]" 1200
ids=""
for i in $(seq 1 1000); do
  id=$(printf 'M-%04d' "$i")
  d="$big/exhibits/many/objects/$id"
  mkdir -p "$d"
  # Distinct files (bytes after the JPEG end marker are ignored by decoders), so nothing is shared.
  { cat "$OUT/small.jpg"; printf 'vitrine-bench-%d' "$i"; } > "$d/photo.jpg"
  sed "s/B-001/$id/; s/Ảnh 1/Ảnh $i/; s/Photo 1/Photo $i/" "$site/exhibits/bench/objects/B-001/object.toml" > "$d/object.toml"
  ids="$ids\"$id\", "
done
sed "s/\[\"B-.*\]/[${ids%, }]/; s/objects = \[.*\]/objects = [${ids%, }]/" "$site/exhibits/bench/exhibit.toml" > "$big/exhibits/many/exhibit.toml"
read -r _ c_wall c_mem < <(measure cold "$BIN" --root "$big" build --quiet)
read -r _ w_wall w_mem < <(measure warm "$BIN" --root "$big" build --quiet)
read -r _ w2_wall _ < <(measure warm "$BIN" --root "$big" build --quiet)
echo "1,000 objects: cold ${c_wall} s (${c_mem} MiB), warm ${w_wall} s and ${w2_wall} s (${w_mem} MiB)"
