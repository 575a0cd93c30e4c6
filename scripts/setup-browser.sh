#!/usr/bin/env bash
# Install Debian's chromium for the browser test (tests/browser/test_jupyterlab.py), unless it is there.
# Playwright drives this binary; its own browser download is not used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "The browser test needs chromium at /usr/bin/chromium (Debian/Ubuntu: apt-get install chromium)." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo"
fi
echo "Installing chromium for the browser test (apt-get)"
$sudo apt-get update -q >/dev/null
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
