#!/usr/bin/env bash
# cuddle versus ONNX Runtime on a full-size model, batch 1 and 8, same machine, same
# session, same inputs, same weights: bert (bert-base, seq 128) or vit (vit-base 224).
# Prints both JSON results and the ratios.
# usage: [ROUNDS=n] bench/model_vs_ort.sh bert|vit [threads]   (SHARED=path to the shared/ folder with anchors/)
# Needs network access to the npm registry once (onnxruntime-node into bench/work/ortnode).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  bert) FIXTURE=bench/fixtures/full-bert-base ARCH=BertForSequenceClassification ;;
  vit) FIXTURE=bench/fixtures/full-vit-base ARCH=ViTForImageClassification ;;
  *) echo "usage: bench/model_vs_ort.sh bert|vit [threads]" >&2; exit 2 ;;
esac
THREADS="${2:-2}"
SHARED="${SHARED:-../shared}"
WORK="bench/work"
mkdir -p "$WORK"
if [ ! -d "$WORK/ortnode/node_modules/onnxruntime-node" ]; then
  # --ignore-scripts: the package's install script would try to download a CUDA build.
  npm install --prefix "$WORK/ortnode" onnxruntime-node@1.30.0 --ignore-scripts --no-audit --no-fund >/dev/null
fi
cmake --build build --target cuddle formula_weights sgemm_peak >/dev/null
MODEL="$WORK/$1-base-formula"
if [ ! -f "$MODEL/model.safetensors" ]; then
  build/bench/formula_weights "$FIXTURE" "$MODEL" "$ARCH"
fi
echo "== machine"
build/bench/sgemm_peak "$THREADS"
# ROUNDS > 1 alternates the two runtimes, so that a slow minute of a shared machine lands on
# both, and reports the median of the per-round ratios.
ROUNDS="${ROUNDS:-1}"
: > "$WORK/ratios.jsonl"
for round in $(seq "$ROUNDS"); do
  echo "== ONNX Runtime 1.30 ($THREADS threads), round $round"
  NODE_PATH="$WORK/ortnode/node_modules" node "$SHARED/anchors/ort_anchor.js" "$FIXTURE" "$WORK/ort-$1" "$THREADS" | tee "$WORK/ort.json"
  echo "== cuddle ($THREADS threads), round $round"
  build/cuddle bench model "$MODEL" --seq 128 --batch 1,8 --threads "$THREADS" \
    --check "$FIXTURE/reference.safetensors" --json | tee "$WORK/cuddle.json"
  node -e '
  const o = require(process.argv[1]), c = require(process.argv[2]);
  const r = {};
  for (const x of c.results) r[x.batch] = x.median_ms;
  console.log(JSON.stringify({ratio_batch1: +(r[1] / o.batch1_median_ms).toFixed(3),
                              ratio_batch8: +(r[8] / o.batch8_median_ms).toFixed(3)}));
  ' "$PWD/$WORK/ort.json" "$PWD/$WORK/cuddle.json" | tee -a "$WORK/ratios.jsonl"
done
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const median = k => { const v = lines.map(l => l[k]).sort((a, b) => a - b); const n = v.length;
                      return n % 2 ? v[(n - 1) / 2] : +((v[n / 2 - 1] + v[n / 2]) / 2).toFixed(3); };
console.log(JSON.stringify({rounds: lines.length, median_ratio_batch1: median("ratio_batch1"),
                            median_ratio_batch8: median("ratio_batch8")}));
' "$WORK/ratios.jsonl"
