// The kernels of kernels.h, compiled from kernels_body.h and attention_body.h once for any processor
// and, on x86-64, once more for AVX2 with FMA on eight lanes and once for AVX-512 on sixteen. They are
// written on vectors of LANES floats (clang's vector extension): Swift code can only be compiled for
// one processor, the oldest x86-64, and ran these as SSE halves.
#include "kernels.h"
#include <stdint.h>
#include <string.h>

typedef float lanes8 __attribute__((vector_size(32)));
typedef float unaligned_lanes8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t integer_lanes8 __attribute__((vector_size(32)));
typedef float lanes16 __attribute__((vector_size(64)));
typedef float unaligned_lanes16 __attribute__((vector_size(64), aligned(4)));
typedef int32_t integer_lanes16 __attribute__((vector_size(64)));

// The helpers pass vectors to each other, which the first copy's ABI would pass in memory; they are
// always inlined, so no call crosses that ABI.
#define INLINE static inline __attribute__((always_inline))
#pragma clang diagnostic ignored "-Wpsabi"

static const float gelu_scale = 0.7978845608f;  // √(2/π)

#define TABLE(suffix) { maximum_##suffix, exponentiate_##suffix, scale_##suffix, softmax_backward_##suffix, \
                        gelu_forward_##suffix, gelu_backward_##suffix, layer_norm_forward_##suffix, layer_norm_backward_##suffix, \
                        attention_forward_##suffix, attention_backward_##suffix }

// The attention kernels' operand copies are padded to ATTENTION_PAD floats, two vectors of the widest
// copy. Their tiles have TILE rows, each copy's own: a tile's 2 · TILE sums stay in registers.
#define ATTENTION_PAD 32

static long attention_padded(long n) { return (n + ATTENTION_PAD - 1) / ATTENTION_PAD * ATTENTION_PAD; }

long hapax_attention_scratch(long context, long depth) {
    return context * context + depth * attention_padded(context) + 3 * context * attention_padded(depth);
}

/// to[c][j] = from[j][c] (rows `stride` apart) for j < count, and 0 for count ≤ j < padded.
static void transpose_padded(float *to, const float *from, long stride, long count, long depth, long padded) {
    for (long c = 0; c < depth; c++) {
        for (long j = 0; j < count; j++) to[c * padded + j] = from[j * stride + c];
        for (long j = count; j < padded; j++) to[c * padded + j] = 0;
    }
}

/// to[j][c] = from[j][c] (rows `stride` apart) for c < depth, and 0 for depth ≤ c < padded.
static void copy_padded(float *to, const float *from, long stride, long count, long depth, long padded) {
    for (long j = 0; j < count; j++) {
        memcpy(to + j * padded, from + j * stride, depth * sizeof(float));
        memset(to + j * padded + depth, 0, (padded - depth) * sizeof(float));
    }
}

#define LANES 8
#define lanes lanes8
#define unaligned_lanes unaligned_lanes8
#define integer_lanes integer_lanes8
#define TILE 4

#define KERNEL(name) name##_portable
#include "kernels_body.h"
#include "attention_body.h"
#undef KERNEL
static const hapax_kernels portable = TABLE(portable);

#if defined(__x86_64__)
// Six rows' twelve sums, two operand vectors and a broadcast fill AVX2's 16 registers: attention of
// heads of 32 and 64 took 0.188 and 0.332 ms a head against 0.192 and 0.391 with tiles of 4
// (tools/bench_attention.sh, one build of each).
#undef TILE
#define TILE 6
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define KERNEL(name) name##_avx2
#include "kernels_body.h"
#include "attention_body.h"
#undef KERNEL
#pragma clang attribute pop
static const hapax_kernels avx2 = TABLE(avx2);

#undef LANES
#undef lanes
#undef unaligned_lanes
#undef integer_lanes
#undef TILE
#define LANES 16
#define lanes lanes16
#define unaligned_lanes unaligned_lanes16
#define integer_lanes integer_lanes16
// AVX-512's 32 registers hold the sums of eight rows: with 8 rather than 4, the 4-layer model's
// attention (heads of 64) took 41 to 49 ms a step rather than 50 to 57 (five --profile runs each,
// alternating); the attention-only model's (heads of 32) measured the same.
#define TILE 8

#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#define KERNEL(name) name##_avx512
#include "kernels_body.h"
#include "attention_body.h"
#undef KERNEL
#pragma clang attribute pop
static const hapax_kernels avx512 = TABLE(avx512);
#endif

const hapax_kernels *hapax_kernels_named(const char *name) {
    if (strcmp(name, "portable") == 0) return &portable;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &avx2 : 0;
    if (strcmp(name, "avx512") == 0) return __builtin_cpu_supports("avx512f") ? &avx512 : 0;
#endif
    return 0;
}

const hapax_kernels *hapax_kernels_fastest(void) {
    const hapax_kernels *fastest = hapax_kernels_named("avx512");
    if (!fastest) fastest = hapax_kernels_named("avx2");
    return fastest ? fastest : &portable;
}
