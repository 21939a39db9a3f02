// cosine_match.cl: mirrors lookm.reference.merge.CosineMatch, steps (1)-(2).
//   (1) U[s, r] = normalize(k_{e_s}) . normalize(k_{c_r}), per head; a zero-norm key stays zero (cosine 0)
//   (2) match[s] = argmax_r U[s, r], the lowest r on ties (strict >, r ascending); m[s] = U[s, match[s]]
// Build options: -DLANES -DCHUNK -DHEAD_DIM as causal_column_sums.cl. Per-head row lists are padded to a stride
// (a multiple of LANES and CHUNK); counts per head say how many rows are real.

#include "lookm_tiles.h"

float inverse_norm(__global const float* row) {
    float squares = 0.0f;
    for (int d = 0; d < HEAD_DIM; d++) squares = fma(row[d], row[d], squares);
    return squares == 0.0f ? 0.0f : 1.0f / sqrt(squares);
}

// (1) Kept keys, normalized, row-major (H, stride, D). One work-item per (row r, head h); padding rows are zero.
__kernel void normalize_gather_rows(__global const float* keys, const int tokens, __global const int* positions,
                                    __global const int* counts, const int stride, __global float* out) {
    const int r = get_global_id(0), h = get_global_id(1);
    __global float* o = out + ((size_t)h * stride + r) * HEAD_DIM;
    if (r >= counts[h]) {
        for (int d = 0; d < HEAD_DIM; d++) o[d] = 0.0f;
        return;
    }
    __global const float* row = keys + ((size_t)h * tokens + positions[h * stride + r]) * HEAD_DIM;
    const float inverse = inverse_norm(row);
    for (int d = 0; d < HEAD_DIM; d++) o[d] = row[d] * inverse;
}

// (1) Evicted keys, normalized, transposed (H, D, stride). One work-item per (row r, head h).
__kernel void normalize_gather_transposed(__global const float* keys, const int tokens, __global const int* positions,
                                          __global const int* counts, const int stride, __global float* out) {
    const int r = get_global_id(0), h = get_global_id(1);
    __global float* o = out + (size_t)h * HEAD_DIM * stride + r;
    if (r >= counts[h]) {
        for (int d = 0; d < HEAD_DIM; d++) o[(size_t)d * stride] = 0.0f;
        return;
    }
    __global const float* row = keys + ((size_t)h * tokens + positions[h * stride + r]) * HEAD_DIM;
    const float inverse = inverse_norm(row);
    for (int d = 0; d < HEAD_DIM; d++) o[(size_t)d * stride] = row[d] * inverse;
}

// (1)+(2) One work-item: evicted slots [s0, s0 + LANES) of head h against every kept key, CHUNK at a time.
// match = -1 and m = NaN when the head keeps nothing.
__kernel void cosine_argmax(__global const float* evictedT, const int evictedStride, __global const int* evictedCounts,
                            __global const float* kept, const int keptStride, __global const int* keptCounts,
                            __global int* match, __global float* similarity) {
    const int s0 = get_global_id(0) * LANES, h = get_global_id(1);
    const int keptCount = keptCounts[h];
    if (s0 >= evictedCounts[h]) return;
    __global const float* eT = evictedT + (size_t)h * HEAD_DIM * evictedStride + s0;
    __global const float* k = kept + (size_t)h * keptStride * HEAD_DIM;
    floatV best = (floatV)(-INFINITY);
    intV bestIndex = (intV)(-1);
    for (int c0 = 0; c0 < keptCount; c0 += CHUNK) {
        floatV u[CHUNK];
        tile_dot(u, eT, evictedStride, k + (size_t)c0 * HEAD_DIM);
        #pragma unroll
        for (int c = 0; c < CHUNK; c++) {
            if (c0 + c < keptCount) {
                const intV better = u[c] > best;
                best = select(best, u[c], better);
                bestIndex = select(bestIndex, (intV)(c0 + c), better);
            }
        }
    }
    vstoreV(bestIndex, 0, match + (size_t)h * evictedStride + s0);
    vstoreV(keptCount == 0 ? (floatV)(NAN) : best, 0, similarity + (size_t)h * evictedStride + s0);
}
