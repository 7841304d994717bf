#ifndef HAPAX_KERNELS_H
#define HAPAX_KERNELS_H

/// The trainer's element-wise kernels over float rows (the softmax's steps, GELU and LayerNorm) and its
/// causal attention. They are compiled for any x86-64 (or the host's architecture), for AVX2 with FMA
/// and for AVX-512, and `hapax_kernels_fastest` picks the widest copy this processor runs.
typedef struct {
    /// The largest of `row[0 ..< count]`.
    float (*_Nonnull maximum)(const float *_Nonnull row, long count);
    /// Replaces `row[j]` by e^(row[j] - shift) and returns their sum.
    float (*_Nonnull exponentiate)(float *_Nonnull row, long count, float shift);
    /// Multiplies `row[0 ..< count]` by `factor`.
    void (*_Nonnull scale)(float *_Nonnull row, long count, float factor);
    /// The softmax's backward step: with `p` a softmax output and `d` the gradient of its outputs,
    /// replaces `d[j]` by factor · p[j] · (d[j] - Σ p·d), the gradient of its inputs.
    void (*_Nonnull softmax_backward)(float *_Nonnull d, const float *_Nonnull p, long count, float factor);
    /// GELU, tanh approximation: `out[j] = GELU(in[j])`.
    void (*_Nonnull gelu_forward)(float *_Nonnull out, const float *_Nonnull in, long count);
    /// Adds GELU'(in[j]) · d_out[j] to `d_in[j]`.
    void (*_Nonnull gelu_backward)(float *_Nonnull d_in, const float *_Nonnull in, const float *_Nonnull d_out, long count);
    /// LayerNorm of one row of `width`: out = (x - mean) · rstd · weight + bias, with rstd =
    /// 1 / √(variance + epsilon); writes the row's mean and rstd.
    void (*_Nonnull layer_norm_forward)(float *_Nonnull out, float *_Nonnull mean, float *_Nonnull rstd, const float *_Nonnull x,
                                        const float *_Nonnull weight, const float *_Nonnull bias, long width, float epsilon);
    /// LayerNorm's backward step for one row, given its forward mean and rstd: adds to `d_x`,
    /// `d_weight` and `d_bias`.
    void (*_Nonnull layer_norm_backward)(float *_Nonnull d_x, float *_Nonnull d_weight, float *_Nonnull d_bias,
                                         const float *_Nonnull d_out, const float *_Nonnull x, const float *_Nonnull weight,
                                         float mean, float rstd, long width);
    /// Causal attention for one sequence and head: queries, keys and values are `context` rows of
    /// `depth` floats, `stride` apart. Writes the softmax of scale · QKᵀ to `p` (`context` × `context`:
    /// row i holds query i's weights over keys 0 … i, then zeros up to the end of its tile of rows)
    /// and P·V to `out` (rows `out_stride` apart). `scratch` holds `hapax_attention_scratch` floats.
    void (*_Nonnull attention_forward)(float *_Nonnull out, long out_stride, float *_Nonnull p, const float *_Nonnull q,
                                       const float *_Nonnull k, const float *_Nonnull v, long stride, long context, long depth,
                                       float scale, float *_Nonnull scratch);
    /// Its backward step, from `p` as the forward step left it and the gradient of its output `dy`
    /// (rows `dy_stride` apart): adds the gradients of the queries, keys and values to `dq`, `dk`
    /// and `dv` (rows `stride` apart).
    void (*_Nonnull attention_backward)(float *_Nonnull dq, float *_Nonnull dk, float *_Nonnull dv, const float *_Nonnull dy,
                                        long dy_stride, const float *_Nonnull p, const float *_Nonnull q, const float *_Nonnull k,
                                        const float *_Nonnull v, long stride, long context, long depth, float scale,
                                        float *_Nonnull scratch);
} hapax_kernels;

/// The floats of scratch memory the attention kernels need for `context` rows of `depth` floats.
long hapax_attention_scratch(long context, long depth);

/// The copy named "portable" (for any processor of this architecture), "avx2" or "avx512", or NULL
/// when there is no such copy or this processor cannot run it.
const hapax_kernels *_Nullable hapax_kernels_named(const char *_Nonnull name);

/// The fastest copy this processor runs.
const hapax_kernels *_Nonnull hapax_kernels_fastest(void);

#endif
