#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the sandbox browser test
# (bins/flexcord/tests/sandbox_browser.rs). Idempotent: does nothing when both are present.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium chromium-driver
/usr/bin/chromium --version
/usr/bin/chromedriver --version
