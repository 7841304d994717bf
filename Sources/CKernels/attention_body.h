// One copy of the causal attention kernels, included by kernels.c after kernels_body.h (whose softmax
// steps it uses) for each instruction set.
//
// The products are computed in tiles of TILE rows by two vectors of columns, whose sums stay in
// registers. OpenBLAS packs both operands on every call, which for a head of 32 or 64 floats cost
// more than the products; and tiles follow the causal triangle to within a tile, where blocks of
// GEMM calls computed a quarter of their products to the right of it. A tile of rows reads each
// vector of the other operand once for TILE rows, so its operands are laid out for vector loads
// first: a transposed copy where vectors run along the sequence, copies padded to whole vectors
// where they run along the head.

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

/// out[r][j] = scale · Σ_c a[r][c] · bt[c][j] for r < rows (≤ TILE) and j < columns, with row r of
/// `a` at a + r · a_stride, and `bt` padded with zeros to whole pairs of vectors per row.
INLINE void KERNEL(tile_products)(float *out, long out_stride, const float *a, long a_stride, long rows,
                                  const float *bt, long bt_stride, long columns, long depth, float scale) {
    // Rows past `rows` repeat the last one, so the loop needs no test; their sums are not stored.
    const float *row[TILE];
    for (int r = 0; r < TILE; r++) row[r] = a + (r < rows ? r : rows - 1) * a_stride;
    for (long j = 0; j < columns; j += 2 * LANES) {
        lanes sums[TILE][2];
        for (int r = 0; r < TILE; r++) sums[r][0] = sums[r][1] = KERNEL(splat)(0);
        for (long c = 0; c < depth; c++) {
            const lanes low = KERNEL(load)(bt + c * bt_stride + j), high = KERNEL(load)(bt + c * bt_stride + j + LANES);
            for (int r = 0; r < TILE; r++) {
                const float x = row[r][c];
                sums[r][0] += x * low;
                sums[r][1] += x * high;
            }
        }
        for (int r = 0; r < rows; r++) KERNEL(store_pair)(out + r * out_stride + j, columns - j, 0, scale * sums[r][0], scale * sums[r][1]);
    }
}

/// out[r][c] (+)= Σ_{j < count} w[r][j] · m[j][c] for r < rows (≤ TILE) and c < depth, with row r of
/// `w` at w + r · w_stride, and the rows of `m` padded with zeros to whole pairs of vectors.
INLINE void KERNEL(weighted_rows)(float *out, long out_stride, int add, const float *w, long w_stride, long rows,
                                  long count, const float *m, long m_stride, long depth) {
    const float *weights[TILE];
    for (int r = 0; r < TILE; r++) weights[r] = w + (r < rows ? r : rows - 1) * w_stride;
    for (long c = 0; c < depth; c += 2 * LANES) {
        lanes sums[TILE][2];
        for (int r = 0; r < TILE; r++) sums[r][0] = sums[r][1] = KERNEL(splat)(0);
        for (long j = 0; j < count; j++) {
            const lanes low = KERNEL(load)(m + j * m_stride + c), high = KERNEL(load)(m + j * m_stride + c + LANES);
            for (int r = 0; r < TILE; r++) {
                const float x = weights[r][j];
                sums[r][0] += x * low;
                sums[r][1] += x * high;
            }
        }
        for (int r = 0; r < rows; r++) KERNEL(store_pair)(out + r * out_stride + c, depth - c, add, sums[r][0], sums[r][1]);
    }
}

/// out[r][c] += Σ_{first ≤ i < count} w[i][r] · m[i][c] for r < rows (≤ TILE) and c < depth: the
/// transpose of `weighted_rows`, reading columns of `w` (rows w_stride apart) a row at a time.
INLINE void KERNEL(weighted_columns)(float *out, long out_stride, const float *w, long w_stride, long rows,
                                     long first, long count, const float *m, long m_stride, long depth) {
    long column[TILE];
    for (int r = 0; r < TILE; r++) column[r] = r < rows ? r : rows - 1;
    for (long c = 0; c < depth; c += 2 * LANES) {
        lanes sums[TILE][2];
        for (int r = 0; r < TILE; r++) sums[r][0] = sums[r][1] = KERNEL(splat)(0);
        for (long i = first; i < count; i++) {
            const lanes low = KERNEL(load)(m + i * m_stride + c), high = KERNEL(load)(m + i * m_stride + c + LANES);
            const float *weights = w + i * w_stride;
            for (int r = 0; r < TILE; r++) {
                const float x = weights[column[r]];
                sums[r][0] += x * low;
                sums[r][1] += x * high;
            }
        }
        for (int r = 0; r < rows; r++) KERNEL(store_pair)(out + r * out_stride + c, depth - c, 1, sums[r][0], sums[r][1]);
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
        KERNEL(tile_products)(tile, T, q + first * stride, stride, rows, kt, padded_T, extent, depth, scale);
        for (long i = first; i < extent; i++) {
            float *row = p + i * T;
            const float sum = KERNEL(exponentiate)(row, i + 1, KERNEL(maximum)(row, i + 1));
            KERNEL(scale)(row, i + 1, 1 / sum);
            for (long j = i + 1; j < extent; j++) row[j] = 0;
        }
        KERNEL(weighted_rows)(out + first * out_stride, out_stride, 0, tile, T, rows, extent, vp, padded_depth, depth);
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
        KERNEL(tile_products)(tile, T, dy + first * dy_stride, dy_stride, rows, vt, padded_T, extent, depth, 1);
        for (long i = first; i < extent; i++) {
            float *row = ds + i * T;
            KERNEL(softmax_backward)(row, p + i * T, i + 1, scale);
            for (long j = i + 1; j < extent; j++) row[j] = 0;
        }
        KERNEL(weighted_rows)(dq + first * stride, stride, 1, tile, T, rows, extent, kp, padded_depth, depth);
    }
    // Key j's gradients sum over the queries i ≥ j; in the tile on the diagonal, both matrices hold
    // zeros right of it.
    for (long first = 0; first < T; first += TILE) {
        const long rows = T - first < TILE ? T - first : TILE;
        KERNEL(weighted_columns)(dv + first * stride, stride, p + first, T, rows, first, T, dyp, padded_depth, depth);
        KERNEL(weighted_columns)(dk + first * stride, stride, ds + first, T, rows, first, T, qp, padded_depth, depth);
    }
}
