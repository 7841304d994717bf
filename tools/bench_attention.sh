#!/usr/bin/env bash
# Attention in hapax's kernels against the OpenBLAS calls they replaced, one head at a time, in each
# copy of the kernels this processor runs (see tools/bench_attention.c). Needs clang and OpenBLAS
# (tools/setup.sh installs it).
#
#     tools/bench_attention.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build
clang -O2 -I Sources/CKernels/include $(pkg-config --cflags openblas) tools/bench_attention.c Sources/CKernels/kernels.c \
    $(pkg-config --libs openblas) -lm -o .build/bench-attention
.build/bench-attention
