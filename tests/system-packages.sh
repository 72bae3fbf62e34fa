#!/bin/sh
# The tests render packs with LibreOffice and read them with poppler, as a reader would.
# Install both from Debian's packages when they are missing.
set -eu
need=""
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui"
command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
[ -z "$need" ] && exit 0
echo "Installing system packages for the tests:$need"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "Please install:$need (as root: apt-get install$need)" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need fonts-liberation >/dev/null
