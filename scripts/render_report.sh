#!/usr/bin/env bash
# Renders an experiment's report.html in headless Chromium and checks that the screenshot is
# not blank: scripts/render_report.sh DIR [OUT.png]  (default OUT: DIR/report.png).
# Exits non-zero if chromium is missing, the page does not render, or the image is (nearly)
# one colour. Needs only chromium and python3 (standard library).
set -euo pipefail
dir=${1:?usage: scripts/render_report.sh DIR [OUT.png]}
out=${2:-$dir/report.png}
html=$(cd "$dir" && pwd)/report.html
[ -f "$html" ] || { echo "render_report: no report.html in $dir" >&2; exit 1; }
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chrome" ] || { echo "render_report: chromium not found" >&2; exit 1; }
rm -f "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$out" --window-size=1200,3000 "file://$html" >/dev/null 2>&1 || true
[ -s "$out" ] || { echo "render_report: chromium wrote no screenshot" >&2; exit 1; }
python3 - "$out" <<'PY'
# A blank page compresses to a few distinct scanlines; a page of tables and charts has
# hundreds. Counting distinct (filtered) scanlines needs no PNG decoder beyond zlib.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("render_report: the screenshot is not a PNG")
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", data[pos + 8:pos + 18])
    elif kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
stride = len(raw) // height
rows = {raw[y * stride:(y + 1) * stride] for y in range(height)}
print(f"render_report: {width}x{height} screenshot, {len(rows)} distinct scanlines")
if len(rows) < 200:
    sys.exit("render_report: the screenshot looks blank (too few distinct scanlines)")
PY
echo "render_report: wrote $out"
