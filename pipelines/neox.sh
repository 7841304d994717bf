#!/usr/bin/env bash
# From a Megatron indexed dataset to a GPT-NeoX dataset with Hapax labels: shards the ids as they are
# (no tokenizing), then exports each split as NeoX's text and label datasets, and prints the config
# lines that train on them. For the paper's setting, the Pythia Pile with the GPT-NeoX-20B tokenizer:
#
#   DATA=/data/pile/pile_20B_tokenizer_text_document.idx TOKENIZER=/data/20B_tokenizer.json \
#   OUT=/scratch/pile-hapax SEQ_LEN=2048 pipelines/neox.sh
#
# Pythia's pre-shuffled Pile, whose sequences are training samples of 2049 ids, needs
# SHARD_OPTIONS=--packed. TOKENIZER is utils/20B_tokenizer.json of GitHub's EleutherAI/pythia.
#
# SHARD_OPTIONS passes more shard options (say "--val-fraction 0.001 --unit-size 268435456" or
# "--part auto/64", then merge); EXPORT_OPTIONS passes export options (say "--mask random:0.2 --seed 3"
# for a control run). HAPAX_PREP names the binary (default: this checkout's release build). Rerunning
# resumes: finished work units are reused.
set -euo pipefail
: "${DATA:?a Megatron .idx}" "${TOKENIZER:?the tokenizer the ids come from}" "${OUT:?}" "${SEQ_LEN:?}"
prep="${HAPAX_PREP:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/hapax-prep}"
# shellcheck disable=SC2086  # the option variables are lists of words
"$prep" shard "$DATA" --tokenizer "$TOKENIZER" --seq-len "$SEQ_LEN" -o "$OUT/shards" ${SHARD_OPTIONS:-}
# shellcheck disable=SC2086
"$prep" export "$OUT/shards" --format megatron -o "$OUT/neox" ${EXPORT_OPTIONS:-}
