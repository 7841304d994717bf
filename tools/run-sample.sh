#!/usr/bin/env bash
# The main job on the sample corpus, end to end: install the system libraries, fetch the data, build,
# then tokenize the 42 Shakespeare texts with cl100k_base and with a BPE trained on them.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/fetch-data.sh
swift build -c release
bin=.build/release
out=runs/sample
mkdir -p "$out"

echo "== cl100k_base on the corpus (token count per text, rate on stderr)"
$bin/hapax-prep tokenize --tokenizer data/cl100k_base.tiktoken --count data/shakespeare/*.txt > "$out/cl100k-counts.txt"
echo "== training an 8192-token byte-level BPE on the corpus"
$bin/hapax-prep train-tokenizer --vocab-size 8192 -o "$out/shakespeare-8k.json" data/shakespeare/*.txt
echo "== the trained tokenizer on the corpus"
$bin/hapax-prep tokenize --tokenizer "$out/shakespeare-8k.json" --count data/shakespeare/*.txt > "$out/8k-counts.txt"
echo "outputs in $out/"
