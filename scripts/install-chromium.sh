#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests and the html-report benchmark (test/support/chromium.ts drives
# it with playwright-core; no browser is ever downloaded by a package). Safe to run twice: it does nothing when
# /usr/bin/chromium is there. Needs root (CI and the project's machines run as root) or sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "install-chromium: installing Debian's chromium package" >&2
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-dejavu-core >/dev/null
/usr/bin/chromium --version >&2
