// One copy of the causal attention kernels, included by kernels.c after kernels_body.h (whose softmax
// steps it uses) for each instruction set.
//
// Every product is computed in tiles of TILE rows by two vectors of columns, whose sums stay in
// registers, and tiles stop within a tile of the causal edge. Products of one head by OpenBLAS calls
// had cost more than their arithmetic: each call packed both operands, and its blocks of 64 queries
// computed a quarter of their scores right of the edge. A tile reads each vector of its other operand
// once for all its rows, so that operand is first copied where vectors load it: keys and values
// transposed where vectors run along the sequence, padded to whole vectors where they run along the
// head.

/// Stores the first `count` lanes (all, if count ≥ 2 · LANES) of `low` then `high` at `out`, or with
/// `add`, adds them to what is there.
INLINE void KERNEL(store_pair)(float *out, long count, int add, lanes low, lanes high) {
    if (count >= 2 * LANES) {
        if (add) {
            low += KERNEL(load)(out);
            high += KERNEL(load)(out + LANES);
        }
        KERNEL(store)(out, low);
        KERNEL(store)(out + LANES, high);
    } else if (count > LANES) {
        if (add) {
            low += KERNEL(load)(out);
            high += KERNEL(load_part)(out + LANES, count - LANES, 0);
        }
        KERNEL(store)(out, low);
        KERNEL(store_part)(out + LANES, count - LANES, high);
    } else {
        if (add) low += KERNEL(load_part)(out, count, 0);
        KERNEL(store_part)(out, count, low);
    }
}

/// out[r][x] = scale · Σ_{first ≤ j < count} w[r · r_step + j · j_step] · m[j · m_stride + x] for
/// r < rows (≤ TILE) and x < width, or with `add`, adds that to out[r][x]; the rows of `m` are padded
/// with zeros to whole pairs of vectors. Every product of attention is this with its operands' steps:
/// QKᵀ is Q's rows against Kᵀ, PV is P's rows against V, and PᵀdY reads P by columns (r_step 1).
INLINE void KERNEL(tile_product)(float *out, long out_stride, int add, float scale, const float *w, long r_step, long j_step,
                                 long rows, long first, long count, const float *m, long m_stride, long width) {
    // Rows past `rows` repeat the last one, so the loop needs no test; their sums are not stored.
    const float *weights[TILE];
    for (int r = 0; r < TILE; r++) weights[r] = w + (r < rows ? r : rows - 1) * r_step;
    for (long x = 0; x < width; x += 2 * LANES) {
        lanes sums[TILE][2];
        for (int r = 0; r < TILE; r++) sums[r][0] = sums[r][1] = KERNEL(splat)(0);
        for (long j = first; j < count; j++) {
            const lanes low = KERNEL(load)(m + j * m_stride + x), high = KERNEL(load)(m + j * m_stride + x + LANES);
            for (int r = 0; r < TILE; r++) {
                const float weight = weights[r][j * j_step];
                sums[r][0] += weight * low;
                sums[r][1] += weight * high;
            }
        }
        for (int r = 0; r < rows; r++) {
            KERNEL(store_pair)(out + r * out_stride + x, width - x, add, scale * sums[r][0], scale * sums[r][1]);
        }
    }
}

static void KERNEL(attention_forward)(float *out, long out_stride, float *p, const float *q, const float *k, const float *v,
                                      long stride, long T, long depth, float scale, float *scratch) {
    const long padded_T = attention_padded(T), padded_depth = attention_padded(depth);
    float *kt = scratch, *vp = kt + depth * padded_T;
    transpose_padded(kt, k, stride, T, depth, padded_T);
    copy_padded(vp, v, stride, T, depth, padded_depth);
    for (long first = 0; first < T; first += TILE) {
        const long rows = T - first < TILE ? T - first : TILE, extent = first + rows;
        float *tile = p + first * T;
        KERNEL(tile_product)(tile, T, 0, scale, q + first * stride, stride, 1, rows, 0, depth, kt, padded_T, extent);
        for (long i = first; i < extent; i++) {
            float *row = p + i * T;
            const float sum = KERNEL(exponentiate)(row, i + 1, KERNEL(maximum)(row, i + 1));
            KERNEL(scale)(row, i + 1, 1 / sum);
            for (long j = i + 1; j < extent; j++) row[j] = 0;
        }
        KERNEL(tile_product)(out + first * out_stride, out_stride, 0, 1, tile, T, 1, rows, 0, extent, vp, padded_depth, depth);
    }
}

static void KERNEL(attention_backward)(float *dq, float *dk, float *dv, const float *dy, long dy_stride, const float *p,
                                       const float *q, const float *k, const float *v, long stride, long T, long depth,
                                       float scale, float *scratch) {
    const long padded_T = attention_padded(T), padded_depth = attention_padded(depth);
    float *ds = scratch, *vt = ds + T * T, *kp = vt + depth * padded_T, *qp = kp + T * padded_depth, *dyp = qp + T * padded_depth;
    transpose_padded(vt, v, stride, T, depth, padded_T);
    copy_padded(kp, k, stride, T, depth, padded_depth);
    copy_padded(qp, q, stride, T, depth, padded_depth);
    copy_padded(dyp, dy, dy_stride, T, depth, padded_depth);
    for (long first = 0; first < T; first += TILE) {
        const long rows = T - first < TILE ? T - first : TILE, extent = first + rows;
        float *tile = ds + first * T;
        KERNEL(tile_product)(tile, T, 0, 1, dy + first * dy_stride, dy_stride, 1, rows, 0, depth, vt, padded_T, extent);
        for (long i = first; i < extent; i++) {
            float *row = ds + i * T;
            KERNEL(softmax_backward)(row, p + i * T, i + 1, scale);
            for (long j = i + 1; j < extent; j++) row[j] = 0;
        }
        KERNEL(tile_product)(dq + first * stride, stride, 1, 1, tile, T, 1, rows, 0, extent, kp, padded_depth, depth);
    }
    // Key j's gradients sum over the queries i ≥ j; in the tile on the diagonal, both matrices hold
    // zeros right of it.
    for (long first = 0; first < T; first += TILE) {
        const long rows = T - first < TILE ? T - first : TILE;
        KERNEL(tile_product)(dv + first * stride, stride, 1, 1, p + first, 1, T, rows, first, T, dyp, padded_depth, depth);
        KERNEL(tile_product)(dk + first * stride, stride, 1, 1, ds + first, 1, T, rows, first, T, qp, padded_depth, depth);
    }
}
