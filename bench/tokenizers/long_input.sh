#!/usr/bin/env bash
# Cost of pathological input (issue 3): one line of 0.25, 0.5 and 1 MB with no spaces
# (random lowercase letters, so the split patterns yield one huge word), encoded by
# `cuddle bench tokenizer` and by HF tokenizers (tok_anchor.js) back to back. Throughput
# that stays flat as the line grows means the cost is linear in its length.
# Usage: bench/tokenizers/long_input.sh [BUILD_DIR]; needs scripts/test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
NM=tests/npm/node_modules
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for n in 250000 500000 1000000; do
  python3 -c "import random, sys; random.seed(1); sys.stdout.write(''.join(random.choice('abcdefghijklmnopqrstuvwxyz') for _ in range($n)) + '\n')" >"$WORK/$n.txt"
done
files=()
for p in llama3 gemma3 gpt4o; do files+=("$NM/@lenml/tokenizer-$p/models/tokenizer.json"); done
files+=(tests/fixtures/tokenizers/wordpiece/tokenizer.json tests/fixtures/tokenizers/unigram_xlmr/tokenizer.json)
printf "%-12s %9s %10s %10s %8s\n" tokenizer bytes hf_MBps cud_MBps ratio
for f in "${files[@]}"; do
  for n in 250000 500000 1000000; do
    hf=$(NODE_PATH="$NM" node tests/tokenizers/tok_anchor.js "$f" "$WORK/$n.txt")
    cu=$("$BUILD/cuddle" bench tokenizer "$f" --corpus "$WORK/$n.txt" --threads 1 --json)
    python3 - "$f" "$n" "$hf" "$cu" <<'PY'
import json, sys
f, n, hf, cu = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
name = f.split('/')[-3].replace('tokenizer-', '') if '/models/' in f else f.split('/')[-2]
assert hf['tokens'] == cu['tokens'], f"token counts differ: {hf['tokens']} vs {cu['tokens']}"
print(f"{name:<12} {n:>9} {hf['encode_loop_MBps']:>10.3f} {cu['single_MBps']:>10.3f} {cu['single_MBps']/hf['encode_loop_MBps']:>7.2f}x")
PY
  done
done
