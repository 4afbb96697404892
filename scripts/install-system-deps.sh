#!/usr/bin/env bash
# Debian packages Comptoir needs beyond Python: chromium for the back-office browser tests and,
# when asked (--postgresql), a PostgreSQL server. Installs only what is missing; needs root
# (or sudo) for apt-get. Without them it says what to install and carries on.
set -euo pipefail

want_postgresql=0
[ "${1:-}" = "--postgresql" ] && want_postgresql=1

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
# WeasyPrint (invoice PDFs) lays text out with Pango and prints in the DejaVu fonts.
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "$want_postgresql" = 1 ] && ! command -v pg_ctlcluster >/dev/null 2>&1; then
  missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt_get=(sudo apt-get)
else
  echo "Comptoir: please install these Debian packages: ${missing[*]}" >&2
  echo "(browser tests are skipped without chromium)" >&2
  exit 0
fi
echo "Comptoir: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -q >/dev/null
"${apt_get[@]}" install -y -q --no-install-recommends "${missing[@]}" >/dev/null
