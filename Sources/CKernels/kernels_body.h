// One copy of the kernels, included by kernels.c for each instruction set; KERNEL(name) names it and
// LANES is its vectors' width. Loops take LANES elements at a time; the last few go through the same
// lane arithmetic, loaded into a vector padded with `fill`.

INLINE lanes KERNEL(splat)(float x) {
    lanes v;
    for (int lane = 0; lane < LANES; lane++) v[lane] = x;
    return v;
}

INLINE lanes KERNEL(load)(const float *p) { return *(const unaligned_lanes *)p; }

INLINE void KERNEL(store)(float *p, lanes v) { *(unaligned_lanes *)p = v; }

/// The `count` (< LANES) elements at `p`, the other lanes `fill`.
INLINE lanes KERNEL(load_part)(const float *p, long count, float fill) {
    lanes v = KERNEL(splat)(fill);
    for (long j = 0; j < count; j++) v[j] = p[j];
    return v;
}

INLINE void KERNEL(store_part)(float *p, long count, lanes v) {
    for (long j = 0; j < count; j++) p[j] = v[j];
}

INLINE float KERNEL(sum_lanes)(lanes v) {
#if LANES == 16
    float h[8];
    for (int lane = 0; lane < 8; lane++) h[lane] = v[lane] + v[lane + 8];
#else
    const lanes h = v;
#endif
    return ((h[0] + h[4]) + (h[1] + h[5])) + ((h[2] + h[6]) + (h[3] + h[7]));
}

/// e^x per lane: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial of degree 7
/// (relative error below 3e-7), 2^k through the exponent bits. Inputs below -87 give about 1e-38
/// instead of underflowing, which a softmax sum cannot tell from zero. k is rounded by adding
/// 1.5 · 2^23, which leaves it in the low mantissa bits.
INLINE lanes KERNEL(exp)(lanes x) {
    x = __builtin_elementwise_min(__builtin_elementwise_max(x, KERNEL(splat)(-87.0f)), KERNEL(splat)(88.0f));
    const lanes shifted = x * 1.44269504f + 12582912.0f;
    const lanes k = shifted - 12582912.0f;
    const lanes r = x - k * 0.693145751953125f - k * 1.428606765330187e-6f;
    lanes p = KERNEL(splat)(1.0f / 5040);
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const integer_lanes exponent = ((integer_lanes)shifted - 0x4B400000 + 127) << 23;
    return p * (lanes)exponent;
}

static float KERNEL(maximum)(const float *row, long count) {
    lanes most = KERNEL(splat)(-__builtin_inff());
    long j = 0;
    for (; j + LANES <= count; j += LANES) most = __builtin_elementwise_max(most, KERNEL(load)(row + j));
    most = __builtin_elementwise_max(most, KERNEL(load_part)(row + j, count - j, -__builtin_inff()));
    float result = most[0];
    for (int lane = 1; lane < LANES; lane++) result = most[lane] > result ? most[lane] : result;
    return result;
}

static float KERNEL(exponentiate)(float *row, long count, float shift) {
    lanes sums = KERNEL(splat)(0);
    long j = 0;
    for (; j + LANES <= count; j += LANES) {
        const lanes e = KERNEL(exp)(KERNEL(load)(row + j) - shift);
        KERNEL(store)(row + j, e);
        sums += e;
    }
    if (j < count) {
        // Only the elements' own lanes count toward the sum.
        const lanes e = KERNEL(exp)(KERNEL(load_part)(row + j, count - j, 0) - shift);
        KERNEL(store_part)(row + j, count - j, e);
        for (long lane = 0; lane < count - j; lane++) sums[lane] += e[lane];
    }
    return KERNEL(sum_lanes)(sums);
}

static void KERNEL(scale)(float *row, long count, float factor) {
    for (long j = 0; j < count; j++) row[j] *= factor;
}

static void KERNEL(softmax_backward)(float *d, const float *p, long count, float factor) {
    lanes dots = KERNEL(splat)(0);
    long j = 0;
    for (; j + LANES <= count; j += LANES) dots += KERNEL(load)(p + j) * KERNEL(load)(d + j);
    dots += KERNEL(load_part)(p + j, count - j, 0) * KERNEL(load_part)(d + j, count - j, 0);
    const float dot = KERNEL(sum_lanes)(dots);
    for (j = 0; j < count; j++) d[j] = factor * p[j] * (d[j] - dot);
}

/// tanh through one exponential: GELU adds 1 to it, so the cancellation near zero that libm's tanhf
/// avoids at a high price does not matter here.
INLINE lanes KERNEL(tanh)(lanes u) { return 1.0f - 2.0f / (1.0f + KERNEL(exp)(2.0f * u)); }

INLINE lanes KERNEL(gelu)(lanes x) {
    return 0.5f * x * (1.0f + KERNEL(tanh)(gelu_scale * (x + 0.044715f * x * x * x)));
}

INLINE lanes KERNEL(gelu_derivative)(lanes x) {
    const lanes x2 = x * x;
    const lanes t = KERNEL(tanh)(gelu_scale * (x + 0.044715f * x2 * x));
    const lanes slope = gelu_scale * (1.0f + 3 * 0.044715f * x2);
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * slope;
}

static void KERNEL(gelu_forward)(float *out, const float *in, long count) {
    long j = 0;
    for (; j + LANES <= count; j += LANES) KERNEL(store)(out + j, KERNEL(gelu)(KERNEL(load)(in + j)));
    if (j < count) KERNEL(store_part)(out + j, count - j, KERNEL(gelu)(KERNEL(load_part)(in + j, count - j, 0)));
}

static void KERNEL(gelu_backward)(float *d_in, const float *in, const float *d_out, long count) {
    long j = 0;
    for (; j + LANES <= count; j += LANES) {
        KERNEL(store)(d_in + j, KERNEL(load)(d_in + j) + KERNEL(gelu_derivative)(KERNEL(load)(in + j)) * KERNEL(load)(d_out + j));
    }
    if (j < count) {
        const long rest = count - j;
        const lanes sum = KERNEL(load_part)(d_in + j, rest, 0)
            + KERNEL(gelu_derivative)(KERNEL(load_part)(in + j, rest, 0)) * KERNEL(load_part)(d_out + j, rest, 0);
        KERNEL(store_part)(d_in + j, rest, sum);
    }
}

/// LayerNorm of one row, in eight running sums rather than one: a single float sum is a chain of
/// dependent additions, which held the row's two reductions to one element per add's latency.
static void KERNEL(layer_norm_forward)(float *out, float *mean, float *rstd, const float *x, const float *weight,
                                       const float *bias, long width, float epsilon) {
    lanes sums = KERNEL(splat)(0);
    long j = 0;
    for (; j + LANES <= width; j += LANES) sums += KERNEL(load)(x + j);
    sums += KERNEL(load_part)(x + j, width - j, 0);
    const float m = KERNEL(sum_lanes)(sums) / (float)width;
    lanes squares = KERNEL(splat)(0);
    for (j = 0; j + LANES <= width; j += LANES) {
        const lanes centered = KERNEL(load)(x + j) - m;
        squares += centered * centered;
    }
    const lanes centered = KERNEL(load_part)(x + j, width - j, m) - m;  // the filled lanes give 0
    squares += centered * centered;
    const float s = 1.0f / __builtin_sqrtf(KERNEL(sum_lanes)(squares) / (float)width + epsilon);
    for (j = 0; j + LANES <= width; j += LANES) {
        KERNEL(store)(out + j, (KERNEL(load)(x + j) - m) * s * KERNEL(load)(weight + j) + KERNEL(load)(bias + j));
    }
    for (; j < width; j++) out[j] = (x[j] - m) * s * weight[j] + bias[j];
    *mean = m;
    *rstd = s;
}

static void KERNEL(layer_norm_backward)(float *d_x, float *d_weight, float *d_bias, const float *d_out, const float *x,
                                        const float *weight, float mean, float rstd, long width) {
    lanes d_norms = KERNEL(splat)(0), d_norms_norms = KERNEL(splat)(0);
    long j = 0;
    for (; j + LANES <= width; j += LANES) {
        const lanes d_norm = KERNEL(load)(weight + j) * KERNEL(load)(d_out + j);
        d_norms += d_norm;
        d_norms_norms += d_norm * ((KERNEL(load)(x + j) - mean) * rstd);
    }
    // Lanes past the row have d_out 0, so d_norm 0, and add nothing.
    const lanes d_norm = KERNEL(load_part)(weight + j, width - j, 0) * KERNEL(load_part)(d_out + j, width - j, 0);
    d_norms += d_norm;
    d_norms_norms += d_norm * ((KERNEL(load_part)(x + j, width - j, mean) - mean) * rstd);
    const float mean_d_norm = KERNEL(sum_lanes)(d_norms) / (float)width;
    const float mean_d_norm_norm = KERNEL(sum_lanes)(d_norms_norms) / (float)width;
    for (j = 0; j + LANES <= width; j += LANES) {
        const lanes dy = KERNEL(load)(d_out + j), norm = (KERNEL(load)(x + j) - mean) * rstd;
        KERNEL(store)(d_bias + j, KERNEL(load)(d_bias + j) + dy);
        KERNEL(store)(d_weight + j, KERNEL(load)(d_weight + j) + norm * dy);
        KERNEL(store)(d_x + j, KERNEL(load)(d_x + j)
                      + (KERNEL(load)(weight + j) * dy - mean_d_norm - norm * mean_d_norm_norm) * rstd);
    }
    for (; j < width; j++) {
        const float dy = d_out[j], norm = (x[j] - mean) * rstd;
        d_bias[j] += dy;
        d_weight[j] += norm * dy;
        d_x[j] += (weight[j] * dy - mean_d_norm - norm * mean_d_norm_norm) * rstd;
    }
}
