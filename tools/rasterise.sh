#!/usr/bin/env bash
# Render the demo illustrations tools/illustrations/<ID>.svg to PNG images in their object folders:
# exhibits/*/objects/<ID>/<lowercase id>.png, at twice the width of the SVG's viewBox
# (3200 px for landscape drawings, 2400 px for portrait ones), like a museum's large photographs:
# large enough for the site's deep zoom.
# Usage: tools/rasterise.sh   (from anywhere; paths are taken relative to the repository)
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v rsvg-convert >/dev/null 2>&1; then
  echo "rasterise.sh: rsvg-convert is not installed; install it with: apt-get install librsvg2-bin" >&2
  exit 1
fi

shopt -s nullglob
svgs=(tools/illustrations/*.svg)
if [ ${#svgs[@]} -eq 0 ]; then
  echo "rasterise.sh: no SVG files in tools/illustrations/" >&2
  exit 1
fi

count=0
for svg in "${svgs[@]}"; do
  id=$(basename "$svg" .svg)
  dirs=(exhibits/*/objects/"$id"/)
  if [ ${#dirs[@]} -ne 1 ]; then
    echo "rasterise.sh: $svg: expected exactly one folder exhibits/*/objects/$id/, found ${#dirs[@]}" >&2
    exit 1
  fi
  # Width of the viewBox: the third number of viewBox="0 0 W H".
  width=$(sed -n 's/.*viewBox="[-0-9.]*[ ,]\+[-0-9.]*[ ,]\+\([0-9.]*\)[ ,]\+[0-9.]*".*/\1/p' "$svg" | head -n 1)
  if [ -z "$width" ]; then
    echo "rasterise.sh: $svg: no viewBox found" >&2
    exit 1
  fi
  lower=$(printf '%s' "$id" | tr '[:upper:]' '[:lower:]')
  out="${dirs[0]}$lower.png"
  rsvg-convert -w "$(( ${width%.*} * 2 ))" -o "$out" "$svg"
  echo "$out"
  count=$((count + 1))
done
echo "rasterise.sh: wrote $count PNG files"
