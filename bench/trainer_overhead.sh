#!/usr/bin/env bash
# The Trainer's overhead per step (issue 14 item 8): a bert-base fine-tuning step (seq 128,
# batch 8, 2-label head, formula weights as bench/model_vs_ort.sh makes them) inside
# `cuddle train` against the bare `cuddle bench train` step, in one sitting on one machine.
# The Trainer's steady-state step is (train_runtime of STEPS+1 steps - train_runtime of 1
# step) / STEPS, so the first step's warm-up and the run's setup cancel out; it includes
# the data collator (tokenised, padded to 128), the sampler, logging every step, the LR
# schedule and the progress callbacks. Rounds alternate the two.
# usage: [ROUNDS=n] [STEPS=n] bench/trainer_overhead.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-2}"
ROUNDS="${ROUNDS:-3}"
STEPS="${STEPS:-4}"
WORK="bench/work"
MODEL="$WORK/bert-base-trainer"
mkdir -p "$WORK"
cmake --build build --target cuddle formula_weights sgemm_peak >/dev/null
if [ ! -f "$MODEL/model.safetensors" ]; then
  build/bench/formula_weights bench/fixtures/full-bert-base "$MODEL" BertForSequenceClassification
fi
# Any WordPiece tokenizer does: every row is cut or padded to 128 tokens, ids < vocab_size.
cp tests/fixtures/tokenizers/wordpiece/tokenizer.json tests/fixtures/tokenizers/wordpiece/tokenizer_config.json "$MODEL/"
DATA="$WORK/trainer_overhead.jsonl"
if [ ! -f "$DATA" ]; then
  for i in $(seq 0 63); do
    printf '{"text": "%s", "label": %d}\n' "$(printf 'the quick brown fox jumps over the lazy dog %.0s' $(seq 30))" $((i % 2))
  done > "$DATA"
fi
export OMP_WAIT_POLICY=passive
trainer_runtime() {  # $1 = max_steps
  build/cuddle --threads "$THREADS" train text-classification --model "$MODEL" --train_file "$DATA" \
    --output_dir "$WORK/trainer_overhead_out" --overwrite_output_dir --max_steps "$1" \
    --per_device_train_batch_size 8 --max_seq_length 128 --pad_to_max_length true --logging_steps 1 \
    --save_strategy no --report_to none --shuffle_train false >/dev/null 2>&1
  node -e 'console.log(require(process.argv[1]).train_runtime)' "$(pwd)/$WORK/trainer_overhead_out/train_results.json"
}
echo "== machine"
build/bench/sgemm_peak "$THREADS"
for round in $(seq "$ROUNDS"); do
  bare=$(build/cuddle --threads "$THREADS" bench train "$MODEL" --seq 128 --batch 8 --steps "$STEPS" --no-peak --json |
         node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).train_step_median_ms))')
  one=$(trainer_runtime 1)
  many=$(trainer_runtime $((STEPS + 1)))
  node -e '
    const [bare, one, many, steps] = process.argv.slice(1).map(Number);
    const step = (many - one) / steps * 1000;
    console.log(JSON.stringify({round: '"$round"', bench_train_step_ms: bare, trainer_step_ms: +step.toFixed(1),
                                overhead: +(step / bare - 1).toFixed(4)}));' "$bare" "$one" "$many" "$STEPS"
done
