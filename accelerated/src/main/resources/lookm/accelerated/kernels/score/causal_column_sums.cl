// causal_column_sums.cl: mirrors lookm.reference.score.CausalColumnSums, steps (1)-(4), in one pass over Q.K^T.
//
// a_kv[j] = sum_{q in group(kv)} sum_i P_q[i, j], the column sums of the causal softmax attention, z_ij = q_i.k_j / sqrt(D),
// row i (absolute position p_i) sees keys j <= p_i. A work-item owns a block of LANES query rows (vector lanes) at a
// time and walks the visible keys CHUNK at a time:
//   (1) z for the chunk (a register tile, D loop innermost), causal mask;
//   (2) running row max m and sum l (online: l <- l exp(m_old - m_new) + sum exp(z - m_new)); the tile's
//       e = exp(z - m_chunk) and m_chunk are kept in the work-item's scratch slot (LANES x TP floats, cache-resident);
//   (3) after the last chunk, the block's column contributions sum_lanes e exp(m_chunk - m) / l, added into the
//       work-item's partial row (no recomputation of z: Q.K^T is formed once);
//   (4) sum_partials: per KV head and key, the sum over its group's query heads and the row splits, ascending.
// A work-item takes the row blocks s, s + S, s + 2S, ... of one query head (S splits per head, chosen by the host).
// No atomics, every sum in a fixed order: repeated runs are bit-identical.
//
// Build options: -DLANES=<2|4|8|16> -DCHUNK=<n> -DHEAD_DIM=<D>.
// Layouts (rows padded to a multiple of LANES and CHUNK; padding rows are zero, padding positions repeat the last):
//   queriesT (Hq, D, NP), keys (Hkv, TP, D), positions (NP), scratch (slots, TP + TP / CHUNK, LANES),
//   partial (Hq * S, TP).

#include "lookm_tiles.h"

// (1)-(3) One work-item: query head q = item / S, split s = item % S (item = itemOffset + global id); its row blocks.
__kernel void block_column_sums(__global const float* queriesT, __global const float* keys, __global const int* positions,
                                const int rows, const int rowsPadded, const int tokens, const int tokensPadded,
                                const int groupSize, const int splits, const float scale, const int itemOffset,
                                __global float* scratch, __global float* partial) {
    const int slot = get_global_id(0);
    const int item = itemOffset + slot;
    const int q = item / splits, s = item % splits;
    const int kv = q / groupSize;
    __global float* e = scratch + (size_t)slot * (tokensPadded + tokensPadded / CHUNK) * LANES;   // (TP, LANES)
    __global float* chunkMax = e + (size_t)tokensPadded * LANES;                                   // (TP / CHUNK, LANES)
    __global float* a = partial + (size_t)item * tokensPadded;
    for (int j = 0; j < tokensPadded; j++) a[j] = 0.0f;
    __global const float* k = keys + (size_t)kv * tokensPadded * HEAD_DIM;
    const intV lane = vloadV(0, LANE_INDEX);
    for (int r0 = s * LANES; r0 < rows; r0 += splits * LANES) {
        const intV position = vloadV(0, positions + r0);
        const int lastKey = min(tokens - 1, positions[r0 + LANES - 1]);
        __global const float* qT = queriesT + (size_t)q * HEAD_DIM * rowsPadded + r0;
        floatV m = (floatV)(-INFINITY);
        floatV l = (floatV)(0.0f);
        for (int j0 = 0; j0 <= lastKey; j0 += CHUNK) {
            // (1) z = q.k / sqrt(D) for the chunk's keys, -inf where j > p_i or j >= T
            floatV z[CHUNK];
            tile_dot(z, qT, rowsPadded, k + (size_t)j0 * HEAD_DIM);
            floatV mChunk = m;
            #pragma unroll
            for (int c = 0; c < CHUNK; c++) {
                const int j = j0 + c;
                const intV visible = (j < tokens) ? (j <= position) : (intV)(0);
                z[c] = select((floatV)(-INFINITY), z[c] * scale, visible);
                mChunk = fmax(mChunk, z[c]);
            }
            // (2) running max and sum; e = exp(z - m_chunk) held in the scratch slot (key 0 is visible to every
            //     row, so m_chunk is finite from the first chunk on)
            floatV sum = l * exp(m - mChunk);
            #pragma unroll
            for (int c = 0; c < CHUNK; c++) {
                const floatV ez = exp(z[c] - mChunk);
                vstoreV(ez, j0 + c, e);
                sum += ez;
            }
            vstoreV(mChunk, j0 / CHUNK, chunkMax);
            l = sum;
            m = mChunk;
        }
        // (3) a[j] += sum_lanes e_j exp(m_chunk - m) / l; padding rows (r >= rows) contribute nothing
        const floatV inverse = select((floatV)(0.0f), (floatV)(1.0f) / l, (r0 + lane) < rows);
        for (int j0 = 0; j0 <= lastKey; j0 += CHUNK) {
            const floatV factor = exp(vloadV(j0 / CHUNK, chunkMax) - m) * inverse;
            #pragma unroll
            for (int c = 0; c < CHUNK; c++) a[j0 + c] += hsumV(vloadV(j0 + c, e) * factor);
        }
    }
}

// (4) One work-item per (key j, KV head): the sum over the group's query heads and their row splits, ascending.
//     (Hq * S, TP) -> (Hkv, T).
__kernel void sum_partials(__global const float* partial, const int tokens, const int tokensPadded, const int groupSize,
                           const int splits, __global float* perKvHead) {
    const int j = get_global_id(0);
    const int kv = get_global_id(1);
    __global const float* p = partial + (size_t)kv * groupSize * splits * tokensPadded + j;
    float sum = 0.0f;
    for (int i = 0; i < groupSize * splits; i++) sum += p[(size_t)i * tokensPadded];
    perKvHead[(size_t)kv * tokens + j] = sum;
}
