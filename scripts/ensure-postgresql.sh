#!/usr/bin/env bash
# Make sure a local PostgreSQL answers on 127.0.0.1:5432 (installing and starting Debian's
# cluster if needed), for the test suite's PostgreSQL run.
set -euo pipefail

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
command -v pg_isready >/dev/null 2>&1 || "$(dirname "$0")/install-system-deps.sh" --postgresql
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  ready && exit 0
  sleep 1
done
echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2
exit 1
