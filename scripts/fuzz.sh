#!/usr/bin/env bash
# Builds every libFuzzer target (clang, ASan + UBSan) in build-fuzz/ and runs each one for
# SECONDS seconds, starting from its seed corpus. Fails on the first crash, leak, sanitizer
# report or timeout, leaving the input in build-fuzz/artifacts/ (docs/fuzzing.md).
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS="${1:-60}"
BUILD_DIR="${BUILD_DIR_FUZZ:-build-fuzz}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCUDDLE_FUZZ=ON -DCUDDLE_BUILD_TESTS=OFF -DCUDDLE_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target fuzzers -j"$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$BUILD_DIR/artifacts"
while IFS='|' read -r name seeds dict; do
  [ -n "$name" ] || continue
  corpus="$BUILD_DIR/corpus/$name"  # grows across runs; the seed folders are only read
  mkdir -p "$corpus"
  args=(-max_total_time="$RUN_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$BUILD_DIR/artifacts/$name-")
  if [ -n "$dict" ]; then args+=(-dict="$dict"); fi
  IFS=';' read -r -a seed_dirs <<<"$seeds"
  echo "== fuzz $name for ${RUN_SECONDS}s"
  "$BUILD_DIR/fuzz/$name" "${args[@]}" "$corpus" "${seed_dirs[@]}"
done <"$BUILD_DIR/fuzzers.txt"
