#!/usr/bin/env bash
# System packages the kit's tests and screenshots need (Debian): headless Chromium
# for browser tests, poppler for PDF checks, Noto CJK so screenshots show Chinese,
# LibreOffice Calc (headless) to re-save workbooks in the import tests, npm to install
# axe-core for the accessibility test (make axe-core).
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
# Writer: the Word file for sign-off is converted to PDF in a test, as an office would print it.
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v npm >/dev/null 2>&1 || need+=(npm)
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "安装系统软件包：${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
