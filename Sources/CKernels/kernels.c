// The kernels of kernels.h, compiled from kernels_body.h once for any processor and, on x86-64, once
// more for AVX2 with FMA. They are written on eight-lane vectors (clang's vector extension), which
// become two SSE registers in the first copy and one AVX register in the second: Swift code can only
// be compiled for one processor, the oldest x86-64, and ran these at half the width.
#include "kernels.h"
#include <stdint.h>

typedef float lanes __attribute__((vector_size(32)));
typedef float unaligned_lanes __attribute__((vector_size(32), aligned(4)));
typedef int32_t integer_lanes __attribute__((vector_size(32)));

// The helpers pass eight-lane vectors to each other, which the first copy's ABI would pass in memory;
// they are always inlined, so no call crosses that ABI.
#define INLINE static inline __attribute__((always_inline))
#pragma clang diagnostic ignored "-Wpsabi"

static const float gelu_scale = 0.7978845608f;  // √(2/π)

#define KERNEL(name) name##_portable
#include "kernels_body.h"
#undef KERNEL

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define KERNEL(name) name##_avx2
#include "kernels_body.h"
#undef KERNEL
#pragma clang attribute pop
#endif

#define TABLE(suffix) { maximum_##suffix, exponentiate_##suffix, scale_##suffix, softmax_backward_##suffix, \
                        gelu_forward_##suffix, gelu_backward_##suffix, layer_norm_forward_##suffix, layer_norm_backward_##suffix }

static const hapax_kernels portable = TABLE(portable);

const hapax_kernels *hapax_kernels_portable(void) { return &portable; }

#if defined(__x86_64__)
static const hapax_kernels avx2 = TABLE(avx2);

const hapax_kernels *hapax_kernels_fastest(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &avx2 : &portable;
}
#else
const hapax_kernels *hapax_kernels_fastest(void) { return &portable; }
#endif
