#!/usr/bin/env bash
# Installs what the PostgreSQL tests need (test/rules/postgres.test.ts starts its own throwaway cluster from
# Debian's binaries under /usr/lib/postgresql/N/bin): Debian's postgresql package, when no initdb is there yet.
# Safe to run twice: a machine that has it installs nothing.
set -euo pipefail
if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  exit 0
fi
echo "installing Debian's postgresql (for the PostgreSQL tests)"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
