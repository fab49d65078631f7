#!/usr/bin/env bash
# Installs verity-chain's pinned Node packages (solc, OpenZeppelin Contracts, hardhat 2) from package-lock.json.
# Idempotent: does nothing when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "npm not found: install Node.js 20+ to run verity-chain's Node tooling" >&2; exit 1; }
stamp=node_modules/.verity-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/solc ] && [ -d node_modules/hardhat ] && [ -d node_modules/@openzeppelin/contracts ]; then
  echo "verity-chain node packages up to date"
  exit 0
fi
npm ci --no-audit --no-fund
echo "$want" > "$stamp"
