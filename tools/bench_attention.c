// Attention of one sequence and head, forward and backward, in each copy of hapax's kernels this
// processor runs, against the OpenBLAS calls hapax made before them: per head, blocks of 64 queries,
// each a few sgemm calls over the fused q, k, v rows, with the same softmax kernels between. Context
// 256, heads of 32 and 64 floats (the training benchmark's two models), one thread; prints the best of
// five rounds of 64 heads each and the ratio. Built and run by tools/bench_attention.sh.
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kernels.h"

enum { context = 256, block = 64, heads = 64, rounds = 5 };

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/// The former attention of one head: q, k and v rows 3 · width apart, out and dy rows width apart.
static void openblas_attention(const hapax_kernels *k, long width, long depth, const float *qkv, const float *dy,
                               float *out, float *p, float *dqkv, float *ds) {
    const float *q = qkv, *keys = qkv + width, *v = qkv + 2 * width;
    float *dq = dqkv, *dk = dqkv + width, *dv = dqkv + 2 * width;
    const long T = context, stride = 3 * width;
    const float scale = 1 / sqrtf((float)depth);
    for (long first = 0; first < T; first += block) {
        const long extent = first + block;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, block, extent, depth, scale, q + first * stride, stride, keys, stride,
                    0, p + first * T, T);
        for (long i = first; i < extent; i++) {
            float *row = p + i * T;
            k->scale(row, i + 1, 1 / k->exponentiate(row, i + 1, k->maximum(row, i + 1)));
            for (long j = i + 1; j < extent; j++) row[j] = 0;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, block, depth, extent, 1, p + first * T, T, v, stride,
                    0, out + first * width, width);
    }
    for (long first = 0; first < T; first += block) {
        const long extent = first + block;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, block, extent, depth, 1, dy + first * width, width, v, stride,
                    0, ds + first * T, T);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, extent, depth, block, 1, p + first * T, T, dy + first * width, width,
                    1, dv, stride);
        for (long i = first; i < extent; i++) {
            k->softmax_backward(ds + i * T, p + i * T, i + 1, scale);
            for (long j = i + 1; j < extent; j++) ds[i * T + j] = 0;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, block, depth, extent, 1, ds + first * T, T, keys, stride,
                    1, dq + first * stride, stride);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, extent, depth, block, 1, ds + first * T, T, q + first * stride, stride,
                    1, dk, stride);
    }
}

int main(void) {
    openblas_set_num_threads(1);
    const char *copies[] = {"portable", "avx2", "avx512"};
    printf("attention of one head, forward and backward, context %d, one thread (best of %d rounds of %d heads)\n",
           context, rounds, heads);
    for (long depth = 32; depth <= 64; depth += 32) {
        const long width = 4 * depth, T = context;
        float *qkv = malloc(sizeof(float) * T * 3 * width), *dqkv = calloc(T * 3 * width, sizeof(float));
        float *dy = malloc(sizeof(float) * T * width), *out = malloc(sizeof(float) * T * width), *p = malloc(sizeof(float) * T * T);
        float *scratch = malloc(sizeof(float) * hapax_attention_scratch(T, depth));
        for (long i = 0; i < T * 3 * width; i++) qkv[i] = (float)((i * 7919) % 1000) / 1000 - 0.5f;
        for (long i = 0; i < T * width; i++) dy[i] = (float)((i * 104729) % 1000) / 1000 - 0.5f;
        for (int c = 0; c < 3; c++) {
            const hapax_kernels *k = hapax_kernels_named(copies[c]);
            if (!k) continue;
            double ours = INFINITY, theirs = INFINITY;
            // Alternate the two, so that both see the machine's slow and fast moments.
            for (int round = 0; round < rounds; round++) {
                double start = seconds();
                for (int h = 0; h < heads; h++) {
                    k->attention_forward(out, width, p, qkv, qkv + width, qkv + 2 * width, 3 * width, T, depth, 1 / sqrtf((float)depth), scratch);
                    k->attention_backward(dqkv, dqkv + width, dqkv + 2 * width, dy, width, p, qkv, qkv + width, qkv + 2 * width, 3 * width,
                                          T, depth, 1 / sqrtf((float)depth), scratch);
                }
                ours = fmin(ours, (seconds() - start) / heads);
                start = seconds();
                for (int h = 0; h < heads; h++) openblas_attention(k, width, depth, qkv, dy, out, p, dqkv, scratch);
                theirs = fmin(theirs, (seconds() - start) / heads);
            }
            printf("  heads of %2ld, %-8s  kernels %6.3f ms  OpenBLAS blocks %6.3f ms  speed-up %.2fx\n",
                   depth, copies[c], ours * 1e3, theirs * 1e3, theirs / ours);
        }
        free(qkv), free(dqkv), free(dy), free(out), free(p), free(scratch);
    }
    return 0;
}
