#!/usr/bin/env bash
# Vanilla against Hapax, measured, in one command: fetch the data, make the corpus, train a tokenizer,
# shard, inspect, train a vanilla and a Hapax model; derive token classes from the vanilla model's
# embeddings (cosine >= 0.3, the paper's threshold), reshard over them and train a thresholded-Hapax
# model; analyze all three (induction heads, copying, token-loss difference), run the few-shot tasks,
# and write the comparison report.
#
#   pipelines/experiment.sh [quick|full]      (OUT=folder to choose where; default runs/experiment-MODE)
#   HAPAX_BIN=folder pipelines/experiment.sh full     (use binaries built elsewhere)
#
# The corpus is the Shakespeare sample plus as many bytes of synthetic text in which copying pays
# (tools/make_repeats_corpus.py: spans of random words, each repeated 2 to 4 times). The model is the
# classic setting for induction heads: 2 attention-only layers of width 128 with 4 heads, a 512-token
# BPE (every token is seen often, so random-token probes are in distribution), 256-token windows,
# batch 32. In small runs here (shared/NOTES-induction.md) natural text alone formed no induction
# heads in 10M tokens, while text with repeated spans formed copying after 1000 to 1500 steps.
#
# quick: 600 steps per run (5M tokens), a demonstration of the whole pipeline in a few minutes.
# full:  10000 steps per run (82M tokens), long enough for the vanilla model to form induction heads.
# A rerun reuses every finished step (runs resume from their checkpoints).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
case "$mode" in
  quick) steps=600 analyze_every=100 trials=30 ;;
  full) steps=10000 analyze_every=500 trials=100 ;;
  *) echo "usage: $0 [quick|full]" >&2; exit 2 ;;
esac
out="${OUT:-runs/experiment-$mode}"
tools/setup.sh
tools/fetch-data.sh
# HAPAX_BIN runs binaries built elsewhere (a copy that a rebuild cannot touch while a long run goes on).
bin="${HAPAX_BIN:-.build/release}"
[[ -n "${HAPAX_BIN:-}" ]] || swift build -c release
mkdir -p "$out"

echo "== corpus: the Shakespeare sample and synthetic repeated spans"
python3 tools/make_repeats_corpus.py "$out/repeats"
echo "== a 512-token BPE trained on the corpus"
[[ -f "$out/tokenizer.json" ]] || $bin/hapax-prep train-tokenizer data/shakespeare "$out/repeats" --vocab-size 512 -o "$out/tokenizer.json"
echo "== shards: 256-token windows, 5% of documents to val"
$bin/hapax-prep shard data/shakespeare "$out/repeats" --tokenizer "$out/tokenizer.json" --seq-len 256 --val-fraction 0.05 -o "$out/shards"
$bin/hapax-prep inspect "$out/shards" > "$out/inspect.txt"
sed -n '1,12p' "$out/inspect.txt"

train() { # name, shard folder, mask
  echo "== training $1: --mask $3 on $2 ($steps steps)"
  local resume=()
  [[ -f "$out/$1/config.json" ]] && resume=(--resume)
  $bin/hapax-train train --data "$2" --out "$out/$1" --mask "$3" --layers 2 --width 128 --heads 4 \
    --attention-only --batch-size 32 --steps "$steps" --warmup 100 --eval-every "$analyze_every" --eval-windows 64 \
    --analyze-every "$analyze_every" --checkpoint-every 500 "${resume[@]}" 2>&1 | grep -E "^(training|done|interrupted)|val "
  # Every run is measured on the exact-matching shards, so validation losses split alike.
  echo "== analyzing $1"
  $bin/hapax-train analyze --run "$out/$1" --data "$out/shards" > "$out/$1/analysis.txt"
  $bin/hapax-train icl --run "$out/$1" --data "$out/shards" --trials "$trials" > "$out/$1/icl.txt" 2>/dev/null
}
train none "$out/shards" none
train hapax "$out/shards" hapax

echo "== token classes from the vanilla model's embeddings (cosine >= 0.3), and shards over them"
$bin/hapax-prep classes --tokenizer "$out/tokenizer.json" --embeddings "$out/none/model.safetensors" --threshold 0.3 \
  -o "$out/classes.json"
$bin/hapax-prep shard data/shakespeare "$out/repeats" --tokenizer "$out/tokenizer.json" --seq-len 256 --val-fraction 0.05 \
  --classes "$out/classes.json" -o "$out/shards-thresholded"
$bin/hapax-prep inspect "$out/shards-thresholded" > "$out/inspect-thresholded.txt"
grep -A1 "classes add" "$out/inspect-thresholded.txt"
train thresholded "$out/shards-thresholded" hapax

echo "== report"
$bin/hapax-train report "$out/none" "$out/hapax" "$out/thresholded" -o "$out/report.html" \
  --title "hapax: vanilla, Hapax and thresholded Hapax compared ($mode experiment)"
