#!/usr/bin/env bash
# The screenshot of the demo's visual report in docs/ and the README
# (issue 14): runs `pimc demo -limit 100 -o DIR`, then Debian's headless
# chromium on DIR/report.html, and writes the top of the page.
#
#   scripts/report-screenshot.sh [OUT.png]     # default docs/report-demo.png; ~30 s
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/report-demo.png}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go run ./cmd/pimc demo -limit 100 -o "$tmp/demo" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
	--user-data-dir="$tmp/profile" --window-size=1000,1400 --screenshot="$tmp/shot.png" \
	"file://$tmp/demo/report.html" 2>/dev/null
cp "$tmp/shot.png" "$out"
echo "wrote $out"
