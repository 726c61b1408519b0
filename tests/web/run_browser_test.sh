#!/usr/bin/env bash
# One browser test: renders DATA.json through the report module (the render driver), opens the
# page in headless Chromium and checks it (check_report.mjs). The page and its screenshot
# (report.png) are left in OUT_DIR.
#
#   run_browser_test.sh RENDER_DRIVER DATA.json OUT_DIR
#   run_browser_test.sh RENDER_DRIVER DATA.json OUT_DIR --without KEY --expect-error TEXT
#   run_browser_test.sh --template PAGE.html OUT_DIR --expect-error TEXT
#
# Exit 77 (skipped) when node or Chromium is missing, unless CI=true: then it fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

unavailable() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL: $1; CI=true, so the browser test cannot be skipped (run scripts/setup)." >&2
    exit 1
  fi
  echo "SKIP: $1 (run scripts/setup)." >&2
  exit 77
}

command -v node >/dev/null 2>&1 || unavailable "node is not installed"
chromium="${KOHORT_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || unavailable "no Chromium at $chromium"

if [[ "$1" == "--template" ]]; then
  # the bare front-end page, as built, opened without data
  out_dir="$3"
  mkdir -p "$out_dir"
  cp "$2" "$out_dir/report.html"
  exec node "$here/check_report.mjs" "$out_dir/report.html" "${@:4}"
fi

driver="$1" data="$2" out_dir="$3"
shift 3
mkdir -p "$out_dir"
page="$out_dir/report.html"
rm -f "$page" "$out_dir/report.png"
if [[ $# -ge 2 && "$1" == "--without" ]]; then
  "$driver" "$data" "$page" --without "$2"
  shift 2
  exec node "$here/check_report.mjs" "$page" "$@"
fi
"$driver" "$data" "$page"
exec node "$here/check_report.mjs" "$page" "$data"
