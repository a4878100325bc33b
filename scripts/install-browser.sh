#!/usr/bin/env bash
# Installs what the browser tests (tests/browser.rs) drive: Debian's
# Chromium and its WebDriver, when they are missing. Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium chromium-driver \
    || { $sudo apt-get update -q && $sudo apt-get install -y -q chromium chromium-driver; }
