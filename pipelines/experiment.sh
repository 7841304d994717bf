#!/usr/bin/env bash
# Vanilla against Hapax, measured, in one command: fetch the data, make the corpus, train a tokenizer,
# shard, inspect, train a vanilla and a Hapax model, analyze both (induction heads, copying, token-loss
# difference), run the few-shot tasks, and write the comparison report. The full version also derives
# token classes from the vanilla model's embeddings (cosine >= 0.3, the paper's threshold), reshards
# over them and trains a thresholded-Hapax model. The tasks version measures the paper's title claim
# instead: few-shot learning on held-out tasks, extractive (the answer is in the prompt) and
# abstractive (the demonstrations say which fixed function applies).
#
#   pipelines/experiment.sh [quick|full|tasks]   (OUT=folder to choose where; default runs/experiment-MODE)
#   HAPAX_BIN=folder pipelines/experiment.sh full     (use binaries built elsewhere)
#
# The set-up is chosen so that induction heads form in minutes on 2 cores (docs/EXPERIMENT.md):
# - the corpus is synthetic text in which copying pays (tools/make_repeats_corpus.py): lines of 3 to 8
#   random words, each line repeated 2 to 4 times, so a span and its repeat fit one window and the
#   offset between them varies with the line's length (a fixed offset teaches positional copying);
# - words spelled in a 512-token BPE trained on that corpus give the previous-token structure the
#   first layer's heads learn from, and every token the corpus uses is trained often;
# - 64-token windows: the time for an induction head to form grows with the square of the context;
# - the classic model, 2 attention-only layers of width 128; batch 64, lr 2e-3. The quick version has
#   2 heads a layer, so that the copying gathers in one head; the full one 4, without weight decay,
#   which lets more than one head sharpen its attention (in 3000-step trials, 4 heads with decay 0.1
#   shared the copying at 0.28 to 0.41 each).
#
# The tasks version (docs/EXPERIMENT.md, "The task world and few-shot learning") mixes the repeated
# lines (600 documents) with 20000 few-shot documents of tools/make_task_world.py, whose task files
# icl measures are held out of them; 128-token windows, the shortest that hold a 5-shot prompt; 2
# layers of width 64 with MLPs, in which the abstractive tasks' functions are learned; batch 32.
#
# quick: 3000 steps per run (12M tokens), vanilla and Hapax, about 6 minutes in all.
# full:  20000 steps per run (82M tokens), the thresholded run as well.
# tasks: 3000 steps per run (12M tokens), vanilla and Hapax.
# A rerun reuses every finished step (runs resume from their checkpoints).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
case "$mode" in
  quick) steps=3000 heads=2 decay=0.1 analyze_every=250 trials=30 ;;
  full) steps=20000 heads=4 decay=0 analyze_every=1000 trials=100 ;;
  tasks) steps=3000 heads=2 decay=0.1 analyze_every=500 ;;
  *) echo "usage: $0 [quick|full|tasks]" >&2; exit 2 ;;
esac
out="${OUT:-runs/experiment-$mode}"
tools/setup.sh
tools/fetch-data.sh
# HAPAX_BIN runs binaries built elsewhere (a copy that a rebuild cannot touch while a long run goes on).
bin="${HAPAX_BIN:-.build/release}"
[[ -n "${HAPAX_BIN:-}" ]] || swift build -c release
mkdir -p "$out"

if [[ "$mode" == tasks ]]; then
  echo "== corpus: 600 documents of repeated random-word lines, 20000 few-shot documents, held-out task files"
  python3 tools/make_repeats_corpus.py "$out/corpus" --documents 600 --span-words 3 8
  python3 tools/make_task_world.py "$out/corpus" "$out/tasks" --documents 20000
  seq_len=128 model=(--width 64 --batch-size 32)
else
  echo "== corpus: 1000 documents of repeated random-word lines"
  python3 tools/make_repeats_corpus.py "$out/corpus" --documents 1000 --span-words 3 8
  seq_len=64 model=(--width 128 --attention-only --batch-size 64)
fi
echo "== a 512-token BPE trained on the corpus"
[[ -f "$out/tokenizer.json" ]] || $bin/hapax-prep train-tokenizer "$out/corpus" --vocab-size 512 -o "$out/tokenizer.json"
echo "== shards: $seq_len-token windows, 5% of documents to val"
$bin/hapax-prep shard "$out/corpus" --tokenizer "$out/tokenizer.json" --seq-len "$seq_len" --val-fraction 0.05 -o "$out/shards"
$bin/hapax-prep inspect "$out/shards" > "$out/inspect.txt"
sed -n '1,12p' "$out/inspect.txt"

train() { # name, shard folder, mask
  echo "== training $1: --mask $3 on $2 ($steps steps)"
  local resume=()
  [[ -f "$out/$1/config.json" ]] && resume=(--resume)
  $bin/hapax-train train --data "$2" --out "$out/$1" --mask "$3" --layers 2 "${model[@]}" --heads "$heads" \
    --lr 2e-3 --weight-decay "$decay" --steps "$steps" --warmup 100 --eval-every "$analyze_every" --eval-windows 256 \
    --analyze-every "$analyze_every" --checkpoint-every 1000 "${resume[@]}" 2>&1 | grep -E "^(training|done|interrupted)|val "
  # Every run is measured on the exact-matching shards, so validation losses split alike.
  echo "== analyzing $1"
  $bin/hapax-train analyze --run "$out/$1" --data "$out/shards" > "$out/$1/analysis.txt"
  if [[ "$mode" == tasks ]]; then
    $bin/hapax-train icl --run "$out/$1" --tasks "$out/tasks" --shots 5 --trials 100 > "$out/$1/icl.txt" 2>/dev/null
    tail -2 "$out/$1/icl.txt"
  else
    $bin/hapax-train icl --run "$out/$1" --data "$out/shards" --trials "$trials" > "$out/$1/icl.txt" 2>/dev/null
  fi
}
train none "$out/shards" none
train hapax "$out/shards" hapax
runs=("$out/none" "$out/hapax")

if [[ "$mode" == full ]]; then
  echo "== token classes from the vanilla model's embeddings (cosine >= 0.3), and shards over them"
  $bin/hapax-prep classes --tokenizer "$out/tokenizer.json" --embeddings "$out/none/model.safetensors" --threshold 0.3 \
    -o "$out/classes.json"
  $bin/hapax-prep shard "$out/corpus" --tokenizer "$out/tokenizer.json" --seq-len 64 --val-fraction 0.05 \
    --classes "$out/classes.json" -o "$out/shards-thresholded"
  $bin/hapax-prep inspect "$out/shards-thresholded" > "$out/inspect-thresholded.txt"
  grep -A1 "classes add" "$out/inspect-thresholded.txt"
  train thresholded "$out/shards-thresholded" hapax
  runs+=("$out/thresholded")
fi

echo "== report"
$bin/hapax-train report "${runs[@]}" -o "$out/report.html" \
  --title "hapax: vanilla and Hapax compared ($mode experiment)"
