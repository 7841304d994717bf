#!/usr/bin/env bash
# Vanilla versus Hapax on the Shakespeare sample: an 8192-token BPE trained on the corpus, windows of
# 256 tokens, a 4-layer, width-256, 4-head GPT, batch 16. Trains both runs and prints their validation
# losses on all, kept and dropped targets. STEPS (default 300) sets the length of each run.
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${STEPS:-300}"
out="${OUT:-runs/shakespeare}"
bin=.build/release
tools/setup.sh
tools/fetch-data.sh
swift build -c release
mkdir -p "$out"
[[ -f "$out/tokenizer.json" ]] || $bin/hapax-prep train-tokenizer data/shakespeare --vocab-size 8192 -o "$out/tokenizer.json"
$bin/hapax-prep shard data/shakespeare --tokenizer "$out/tokenizer.json" --seq-len 256 --val-fraction 0.05 -o "$out/shards"
for mask in none hapax; do
  resume=()
  [[ -f "$out/$mask/config.json" ]] && resume=(--resume)
  $bin/hapax-train train --data "$out/shards" --out "$out/$mask" --mask "$mask" --layers 4 --width 256 --heads 4 \
    --batch-size 16 --steps "$steps" --warmup 30 --lr 1e-3 --eval-every 50 --eval-windows 64 "${resume[@]}"
done
for mask in none hapax; do
  echo "== $mask"
  $bin/hapax-train eval --run "$out/$mask"
done
