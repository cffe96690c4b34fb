#!/usr/bin/env bash
# Make the demo's audio-guide recordings: every exhibits/*/objects/<ID>/guide.<lang>.md transcript
# is read by a synthetic voice (espeak-ng, Vietnamese or English) into guide.<lang>.mp3 beside it.
# Real museums record a person reading the transcript; this only makes the demo complete.
# Needs: espeak-ng, sox with MP3 support (apt-get install espeak-ng sox libsox-fmt-mp3).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "audio.sh: $tool is missing: apt-get install espeak-ng sox libsox-fmt-mp3" >&2; exit 1; }
done
shopt -s nullglob
for md in exhibits/*/objects/*/guide.*.md; do
  lang=$(basename "$md" .md); lang=${lang#guide.}
  voice=$([ "$lang" = vi ] && echo vi || echo en-gb)
  out="${md%.md}.mp3"
  # Markdown marks are not read aloud.
  sed 's/[*_#>`]//g' "$md" | espeak-ng -v "$voice" -s 145 -w "$out.wav" --stdin
  sox "$out.wav" -r 22050 -c 1 -C 32 "$out"
  rm -f "$out.wav"
  echo "$out"
done
