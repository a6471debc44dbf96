#!/usr/bin/env bash
# Configures and builds cuddle into BUILD_DIR (default build/), incrementally.
# Usage: scripts/build.sh [--sanitize] [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
# ccache keys on paths relative to the checkout, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
ARGS=()
if [ "${1:-}" = "--sanitize" ]; then
  shift
  BUILD_DIR="${BUILD_DIR_SANITIZE:-build-asan}"
  # RelWithDebInfo keeps sanitizer reports readable while the suite stays fast enough.
  ARGS+=(-DCUDDLE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCUDDLE_BUILD_BENCH=OFF)
fi
cmake -S . -B "$BUILD_DIR" -G Ninja "${ARGS[@]}" "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
