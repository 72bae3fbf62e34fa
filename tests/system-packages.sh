#!/bin/sh
# The tests render packs with LibreOffice and read them with poppler, as a reader would,
# and run the Prefect server on a throwaway PostgreSQL cluster of their own.
# Install what is missing from Debian's packages.
set -eu
need=""
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui"
command -v pdftotext >/dev/null 2>&1 || need="$need poppler-utils"
# PostgreSQL's server programs live in /usr/lib/postgresql/<version>/bin, not on PATH.
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
[ -z "$need" ] && exit 0
echo "Installing system packages for the tests:$need"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "Please install:$need (as root: apt-get install$need)" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
case "$need" in *postgresql*)
  # The tests make their own cluster: ask Debian not to create and start a system-wide one.
  $SUDO mkdir -p /etc/postgresql-common
  [ -e /etc/postgresql-common/createcluster.conf ] ||
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
esac
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold $need fonts-liberation >/dev/null
