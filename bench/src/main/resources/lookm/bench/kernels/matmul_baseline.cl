// matmul_baseline.cl: no reference counterpart; the speed yardstick of `lookm bench`. C = A . B^T over the causal
// blocks only (row block [i0, i0 + LANES) against key chunks j0 <= i0 + LANES - 1), the same work as the causal
// Q.K^T of the score stage, with the same register tiling as score/causal_column_sums.cl and without the softmax.
// Layouts: aT (D, M) transposed, b (N, D) row-major, c (M, N); M a multiple of LANES, N a multiple of CHUNK.

#include "lookm_tiles.h"

// One work-item: rows [i0, i0 + LANES) of A against the causally visible rows of B, CHUNK rows at a time.
__kernel void matmul_causal(__global const float* aT, __global const float* b, const int m, const int n,
                            __global float* c) {
    const int i0 = get_global_id(0) * LANES;
    const int last = min(n, i0 + LANES);
    for (int j0 = 0; j0 < last; j0 += CHUNK) {
        floatV acc[CHUNK];
        tile_dot(acc, aT + i0, m, b + (size_t)j0 * HEAD_DIM);
        #pragma unroll
        for (int k = 0; k < CHUNK; k++) {
            // column j0 + k of rows i0.. (strided store: the tile stays in registers until here)
            #pragma unroll
            for (int l = 0; l < LANES; l++) c[(size_t)(i0 + l) * n + j0 + k] = acc[k][l];
        }
    }
}
