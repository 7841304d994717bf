#!/usr/bin/env bash
# Shards a corpus on a Slurm cluster: a job array of PARTS tasks, each running
# `hapax-prep shard --part auto/PARTS` on its share of the input bytes, then a merge job that starts
# once all of them succeeded (and is cancelled if one fails). Prints the two job ids.
#
#   HAPAX_PREP=/shared/hapax/.build/release/hapax-prep TOKENIZER=/shared/tokenizer.json SEQ_LEN=2048 \
#   INPUTS=/shared/corpus OUT=/shared/hapax-out PARTS=16 pipelines/slurm/submit.sh
#
# Everything must be on a file system every node sees. SHARD_OPTIONS passes more shard options (say
# "--val-fraction 0.01 --scope document"); SBATCH_OPTIONS passes options to both sbatch calls (say
# "--partition=cpu --account=myproject"). Logs go to $OUT/logs. Resubmitting after a failure
# resumes: finished parts and units are reused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${HAPAX_PREP:?}" "${TOKENIZER:?}" "${SEQ_LEN:?}" "${INPUTS:?}" "${OUT:?}" "${PARTS:?}"
export HAPAX_PREP TOKENIZER SEQ_LEN INPUTS OUT PARTS SHARD_OPTIONS="${SHARD_OPTIONS:-}"
mkdir -p "$OUT/logs" "$OUT/parts"

# shellcheck disable=SC2086  # SBATCH_OPTIONS is a list of words
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array="0-$((PARTS - 1))" --export=ALL \
  --output="$OUT/logs/%x-%A_%a.out" "$here/shard-parts.sbatch")
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTIONS:-} --dependency="afterok:${array%%;*}" --kill-on-invalid-dep=yes \
  --export=ALL --output="$OUT/logs/%x-%j.out" "$here/merge.sbatch")
echo "shard array ${array%%;*} ($PARTS tasks), merge $merge"
