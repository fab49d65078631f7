#!/usr/bin/env bash
# Compiles verity-chain's Solidity with the pinned npm solc (package.json / package-lock.json) and
# writes one artifact per contract (ABI, creation and runtime bytecode) to src/main/resources/dev/verity/chain/contracts/,
# and the test fixtures of src/test/solidity (test referees) to src/test/resources/dev/verity/chain/contracts/.
# The artifacts are committed, so running Verity needs no Node.js; ArtifactsMatchSourcesTest checks
# they match the sources whenever node_modules/solc is present.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/solc ]; then
  echo "node_modules/solc missing: run ./setup-node-packages.sh first" >&2
  exit 1
fi
node scripts/compile.js src/main/solidity src/main/resources/dev/verity/chain/contracts \
  src/test/solidity src/test/resources/dev/verity/chain/contracts
