#!/usr/bin/env bash
# Installs what the test suite needs from Debian: the PostgreSQL server.
# Idempotent: does nothing when the binaries are already there.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL server binaries are missing; install them with: sudo apt-get install -y postgresql" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
# The package may start a cluster of its own; the tests start their own server.
service postgresql stop >/dev/null 2>&1 || true
