#!/usr/bin/env bash
# Renders `hantag report` over the sample articles in headless Chromium and checks the page:
# the HTML holds its charts and sections and no external reference, and the screenshot is a
# real picture (not blank). Installs Debian's `chromium` and `fonts-noto-cjk` when missing.
#
#   scripts/report-check.sh            # builds hantag (release) first
#   HANTAG=target/release/hantag scripts/report-check.sh
#   KEEP=1 scripts/report-check.sh     # keep the temporary directory (report.html, report.png)
#
# Exit 0 when every check passes, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "report-check: FAIL: $*" >&2; exit 1; }
say() { echo "report-check: $*" >&2; }

if [[ -z "${HANTAG:-}" ]]; then
    cargo build --release --quiet
    HANTAG="${CARGO_TARGET_DIR:-target}/release/hantag"
fi
[[ -x "$HANTAG" ]] || fail "no hantag binary at $HANTAG"

chromium_bin() { command -v chromium || command -v chromium-browser || true; }
apt_install() {
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
if [[ -z "$(chromium_bin)" ]]; then
    say "installing chromium (Debian package)"
    apt_install chromium || fail "could not install chromium"
fi
# Without a CJK font Hangul renders as boxes.
if ! fc-list 2>/dev/null | grep -qi -E "noto (sans|serif) cjk|nanum|source han"; then
    say "installing fonts-noto-cjk"
    apt_install fonts-noto-cjk || fail "could not install fonts-noto-cjk"
fi
CHROMIUM="$(chromium_bin)"

TMP="$(mktemp -d)"
PROFILE="$(mktemp -d)"
cleanup() {
    rm -rf "$PROFILE"
    if [[ -z "${KEEP:-}" ]]; then rm -rf "$TMP"; else say "kept $TMP"; fi
}
trap cleanup EXIT

"$HANTAG" tag examples/articles --out "$TMP/out" --quiet || fail "hantag tag failed"
"$HANTAG" report "$TMP/out" --html "$TMP/report.html" || fail "hantag report failed"

HTML="$TMP/report.html"
for section in totals entities topics-over-time cooccurrence topic-entities errors; do
    grep -q "<section id=\"$section\">" "$HTML" || fail "section $section missing"
done
grep -q 'class="chart bars"' "$HTML" || fail "no bar chart"
grep -q 'class="chart timeline"' "$HTML" || fail "no topics-over-time chart"
grep -q 'class="chart network"' "$HTML" || fail "no co-occurrence network"
svgs=$(grep -o '<svg ' "$HTML" | wc -l)
[[ $svgs -ge 3 ]] || fail "only $svgs SVG charts"
if grep -q -E '(src|href)="?(https?:)?//' "$HTML"; then fail "external reference in the HTML"; fi
if grep -q '<script' "$HTML"; then fail "a script in the HTML"; fi
grep -q 'Noto Sans KR' "$HTML" || fail "no Korean font stack"

# --disable-background-networking and friends: no network at all while rendering.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$PROFILE" \
    --screenshot="$TMP/report.png" --window-size=1280,2400 "file://$HTML" >"$TMP/chromium.log" 2>&1 \
    || { cat "$TMP/chromium.log" >&2; fail "chromium failed"; }
[[ -s "$TMP/report.png" ]] || fail "no screenshot"
size=$(stat -c %s "$TMP/report.png")
[[ $size -gt 20000 ]] || fail "screenshot is only $size bytes (blank page?)"

# Decode the PNG with the standard library: the picture must have many colours, so the
# charts were drawn (a blank or error page has a handful).
python3 - "$TMP/report.png" <<'EOF' || fail "screenshot looks blank"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8, f"bit depth {depth}"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
channels = {2: 3, 6: 4}[ctype]
raw = zlib.decompress(idat)
stride = width * channels
colours, prev, i = set(), bytearray(stride), 0
for _ in range(height):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - channels] if x >= channels else 0
        b, c = prev[x], prev[x - channels] if x >= channels else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if _ % 8 == 0:
        colours.update(bytes(line[x:x + 3]) for x in range(0, stride, channels * 4))
print(f"report-check: screenshot {width}x{height}, {len(colours)} colours sampled", file=sys.stderr)
assert len(colours) > 50, f"only {len(colours)} colours"
EOF

say "ok: $svgs charts, screenshot $size bytes"
