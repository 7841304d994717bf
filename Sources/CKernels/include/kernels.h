#ifndef HAPAX_KERNELS_H
#define HAPAX_KERNELS_H

/// The trainer's element-wise kernels over float rows: the softmax's steps and GELU. They are
/// compiled twice, for any x86-64 (or the host's architecture) and for AVX2 with FMA, and
/// `hapax_kernels_fastest` picks the copy this processor runs.
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
} hapax_kernels;

/// The copy for any processor of this architecture.
const hapax_kernels *_Nonnull hapax_kernels_portable(void);

/// The fastest copy this processor runs.
const hapax_kernels *_Nonnull hapax_kernels_fastest(void);

#endif
