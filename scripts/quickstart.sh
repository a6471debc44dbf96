#!/usr/bin/env bash
# The main job on a bundled default: installs what is missing, builds cuddle, then
# inspects and runs the bundled BERT sentiment model on the bundled inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
MODEL=tests/fixtures/models/bert-seqcls
echo "== cuddle info $MODEL"
build/cuddle info "$MODEL"
echo "== cuddle forward $MODEL"
out=$(mktemp -d)/out.safetensors
build/cuddle forward "$MODEL" --inputs "$MODEL/reference.safetensors" --out "$out"
build/cuddle info "$out"
