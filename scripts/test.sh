#!/usr/bin/env bash
# Builds cuddle and runs the whole test suite with CTest (summary line at the end).
# Usage: scripts/test.sh [--sanitize]   (--sanitize: ASan + UBSan build in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
if [ "${1:-}" = "--sanitize" ]; then BUILD_DIR="${BUILD_DIR_SANITIZE:-build-asan}"; fi
if [ -x scripts/test-deps.sh ]; then scripts/test-deps.sh; fi
scripts/build.sh "$@"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "$BUILD_DIR"
# The sanitizer pass skips the real-data training runs (label real_training): minutes each,
# and the code they run is covered by the fast Trainer tests.
if [ "${1:-}" = "--sanitize" ]; then
  ctest --output-on-failure -j"$(nproc)" -LE real_training
else
  ctest --output-on-failure -j"$(nproc)"
fi
