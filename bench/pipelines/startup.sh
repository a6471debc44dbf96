#!/usr/bin/env bash
# CLI start-up: wall time of `cuddle pipeline text-classification` answering one input
# (process start, load model + tokenizer, tokenize, forward, print), median of N runs.
# Usage: bench/pipelines/startup.sh [BUILD_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build}/cuddle
RUNS=${2:-21}
MODEL=tests/fixtures/real/models/langid-bert
times=()
for _ in $(seq "$RUNS"); do
  t0=$(date +%s%N)
  "$BIN" pipeline text-classification --model "$MODEL" "Wer nicht wagt, der nicht gewinnt." > /dev/null
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "cuddle pipeline start-up (load + answer one input), median of $RUNS: $(( sorted[RUNS / 2] / 1000 )).$(( sorted[RUNS / 2] % 1000 / 100 )) ms (min $(( sorted[0] / 1000 )) ms)"
