#!/usr/bin/env bash
# Vanilla against Hapax, measured, in one command: fetch the data, make the corpus, train a tokenizer,
# shard, inspect, train a vanilla and a Hapax model side by side, analyze both (induction heads,
# copying, token-loss difference), measure few-shot learning on held-out tasks, and write the
# comparison report. The full version trains longer and adds thresholded Hapax: token classes from
# the vanilla model's embeddings (cosine >= 0.3, the paper's threshold), shards over them, a third run.
#
#   pipelines/experiment.sh [quick|full]   (OUT=folder to choose where; default runs/experiment-MODE)
#   HAPAX_BIN=folder pipelines/experiment.sh full     (use binaries built elsewhere)
#
# The set-up is chosen so that both halves of the paper's claim show in minutes on 2 cores
# (docs/EXPERIMENT.md has the trials that chose it):
# - the corpus mixes a task world (tools/make_task_world.py: 20000 few-shot documents in the prompt
#   format `icl` uses, extractive tasks whose answer is copied from the prompt and abstractive ones
#   whose answer is a fixed function the demonstrations name) with 600 documents of repeated
#   random-word lines (tools/make_repeats_corpus.py), which form the induction heads copying needs;
#   the task files icl measures are held out of the documents;
# - words spelled in a 512-token BPE trained on that corpus, in which the task words are one or two tokens;
# - 64-token windows, which hold a 5-shot prompt: the time for an induction head to form grows with
#   the square of the context;
# - 2 layers of width 128 with MLPs (the abstractive functions are learned in them), 2 heads a layer
#   so that the copying gathers in one head; batch 64, lr 2e-3.
#
# quick: 1500 steps per run, vanilla and Hapax side by side, one thread each.
# full:  3000 steps per run, the thresholded run as well.
# A rerun reuses every finished step (runs resume from their checkpoints).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-quick}"
case "$mode" in
  quick) steps=1500 analyze_every=250 ;;
  full) steps=3000 analyze_every=1000 ;;
  *) echo "usage: $0 [quick|full]" >&2; exit 2 ;;
esac
out="${OUT:-runs/experiment-$mode}"
tools/setup.sh
tools/fetch-data.sh
# HAPAX_BIN runs binaries built elsewhere (a copy that a rebuild cannot touch while a long run goes on).
bin="${HAPAX_BIN:-.build/release}"
[[ -n "${HAPAX_BIN:-}" ]] || swift build -c release
mkdir -p "$out"

echo "== corpus: 20000 few-shot documents, 600 documents of repeated random-word lines, held-out task files"
python3 tools/make_task_world.py "$out/corpus" "$out/tasks" --documents 20000
python3 tools/make_repeats_corpus.py "$out/corpus" --documents 600 --span-words 3 8
echo "== a 512-token BPE trained on the corpus"
[[ -f "$out/tokenizer.json" ]] || $bin/hapax-prep train-tokenizer "$out/corpus" --vocab-size 512 -o "$out/tokenizer.json"
echo "== shards: 64-token windows, 5% of documents to val"
$bin/hapax-prep shard "$out/corpus" --tokenizer "$out/tokenizer.json" --seq-len 64 --val-fraction 0.05 -o "$out/shards"
$bin/hapax-prep inspect "$out/shards" > "$out/inspect.txt"
sed -n '1,12p' "$out/inspect.txt"

train() { # name, shard folder, mask
  local resume=()
  [[ -f "$out/$1/config.json" ]] && resume=(--resume)
  $bin/hapax-train train --data "$2" --out "$out/$1" --mask "$3" --layers 2 --width 128 --heads 2 --batch-size 64 \
    --lr 2e-3 --weight-decay 0.1 --steps "$steps" --warmup 100 --eval-every "$analyze_every" --eval-windows 256 \
    --analyze-every "$analyze_every" --checkpoint-every 500 --threads "${threads:-1}" "${resume[@]}" 2>&1 \
    | grep --line-buffered -E "^(training|done|interrupted)|val " | sed -u "s/^/[$1] /"
  # Every run is measured on the exact-matching shards, so validation losses split alike.
  $bin/hapax-train analyze --run "$out/$1" --data "$out/shards" --threads "${threads:-1}" > "$out/$1/analysis.txt"
  $bin/hapax-train icl --run "$out/$1" --tasks "$out/tasks" --shots 5 --trials 100 --threads "${threads:-1}" > "$out/$1/icl.txt" 2>/dev/null
  tail -2 "$out/$1/icl.txt" | sed "s/^/[$1] /"
}
# Two runs side by side, one core each.
side_by_side() { # name folder mask, twice
  echo "== training $1 and $4 side by side ($steps steps each), then analyze and icl"
  train "$1" "$2" "$3" & local first=$!
  train "$4" "$5" "$6" & local second=$!
  wait "$first" && wait "$second"
}
side_by_side none "$out/shards" none hapax "$out/shards" hapax
runs=("$out/none" "$out/hapax")

if [[ "$mode" == full ]]; then
  echo "== token classes from the vanilla model's embeddings (cosine >= 0.3), and shards over them"
  $bin/hapax-prep classes --tokenizer "$out/tokenizer.json" --embeddings "$out/none/model.safetensors" --threshold 0.3 \
    -o "$out/classes.json"
  $bin/hapax-prep shard "$out/corpus" --tokenizer "$out/tokenizer.json" --seq-len 64 --val-fraction 0.05 \
    --classes "$out/classes.json" -o "$out/shards-thresholded"
  $bin/hapax-prep inspect "$out/shards-thresholded" > "$out/inspect-thresholded.txt"
  grep -A1 "classes add" "$out/inspect-thresholded.txt"
  echo "== training thresholded ($steps steps)"
  threads=2 train thresholded "$out/shards-thresholded" hapax
  runs+=("$out/thresholded")
fi

echo "== report"
$bin/hapax-train report "${runs[@]}" -o "$out/report.html" \
  --title "hapax: vanilla and Hapax compared ($mode experiment)"
