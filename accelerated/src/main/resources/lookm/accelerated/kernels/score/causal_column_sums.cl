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
// Build options: -DLANES=<2|4|8|16> -DCHUNK=<n> -DHEAD_DIM=<D>; -DBLOCKS=<n> adds window_column_sums (below).
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

// (1)-(3) for few row blocks per work-item (window scores: SnapKV's 32 rows, kvpress's 64): the same arithmetic as
// block_column_sums, bit for bit, with the loops over row blocks and key chunks swapped, so that the work-item's
// row blocks (s, s + S, ..., at most BLOCKS of them) walk the keys together: each chunk of K is read from memory once
// for all of them instead of once per row block, and two row blocks share each broadcast key element in the register
// tile (tile_dot_pair: 2 x CHUNK/2 accumulators, every z the fma chain of tile_dot, d ascending from 0). Per row block
// every step keeps block_column_sums' order: z masked and scaled, the chunk max, then e = exp(z - m_chunk) and the
// running sum in ascending key order (z goes through the block's scratch rows, which then hold e); (3) adds the blocks
// into a[j] in ascending block order. Each row block has its own m, l, scratch rows and chunk maxima.
// Build option -DBLOCKS=<n> (n >= 1) besides the tile's. scratch (slots, BLOCKS, TP + TP / CHUNK, LANES).
#ifdef BLOCKS
#define HALF (CHUNK > 1 ? CHUNK / 2 : 1)

// acc0[c] = aT0 rows . b[c], acc1[c] = aT1 rows . b[c] for c < HALF: per element the fma chain of tile_dot.
inline void tile_dot_pair(floatV acc0[HALF], floatV acc1[HALF], __global const float* aT0, __global const float* aT1,
                          const int aStride, __global const float* b) {
    #pragma unroll
    for (int c = 0; c < HALF; c++) { acc0[c] = (floatV)(0.0f); acc1[c] = (floatV)(0.0f); }
    for (int d = 0; d < HEAD_DIM; d++) {
        const floatV ad0 = vloadV(0, aT0 + (size_t)d * aStride);
        const floatV ad1 = vloadV(0, aT1 + (size_t)d * aStride);
        #pragma unroll
        for (int c = 0; c < HALF; c++) {
            const floatV bd = (floatV)(b[c * HEAD_DIM + d]);
            acc0[c] = fma(ad0, bd, acc0[c]);
            acc1[c] = fma(ad1, bd, acc1[c]);
        }
    }
}

// (1) the masked, scaled z of `count` keys from j into the block's scratch rows; returns the running chunk max.
inline floatV store_logits(const floatV* z, const int count, const int j, const intV position, const int tokens,
                           const float scale, __global float* e, floatV mChunk) {
    for (int c = 0; c < count; c++) {
        const intV visible = (j + c < tokens) ? (j + c <= position) : (intV)(0);
        const floatV zc = select((floatV)(-INFINITY), z[c] * scale, visible);
        mChunk = fmax(mChunk, zc);
        vstoreV(zc, j + c, e);
    }
    return mChunk;
}

// (2) e = exp(z - m_chunk) over the chunk in place, the running max and sum (as block_column_sums).
inline void exp_chunk(__global float* e, __global float* chunkMax, const int j0, const floatV mChunk, floatV* m, floatV* l) {
    floatV sum = *l * exp(*m - mChunk);
    for (int c = 0; c < CHUNK; c++) {
        const floatV ez = exp(vloadV(j0 + c, e) - mChunk);
        vstoreV(ez, j0 + c, e);
        sum += ez;
    }
    vstoreV(mChunk, j0 / CHUNK, chunkMax);
    *l = sum;
    *m = mChunk;
}

__kernel void window_column_sums(__global const float* queriesT, __global const float* keys, __global const int* positions,
                                 const int rows, const int rowsPadded, const int tokens, const int tokensPadded,
                                 const int groupSize, const int splits, const float scale, const int itemOffset,
                                 __global float* scratch, __global float* partial) {
    const int slot = get_global_id(0);
    const int item = itemOffset + slot;
    const int q = item / splits, s = item % splits;
    const int kv = q / groupSize;
    const size_t blockFloats = (size_t)(tokensPadded + tokensPadded / CHUNK) * LANES;
    __global float* e0 = scratch + (size_t)slot * BLOCKS * blockFloats;            // block b: e0 + b * blockFloats
    __global float* a = partial + (size_t)item * tokensPadded;
    for (int j = 0; j < tokensPadded; j++) a[j] = 0.0f;
    __global const float* k = keys + (size_t)kv * tokensPadded * HEAD_DIM;
    __global const float* qHead = queriesT + (size_t)q * HEAD_DIM * rowsPadded;
    const intV lane = vloadV(0, LANE_INDEX);
    // the work-item's row blocks: r0 = (s + b S) LANES for b < blocks (blocks <= BLOCKS, the host's choice)
    int blocks = 0, lastKeyAll = -1;
    int lastKey[BLOCKS];
    floatV m[BLOCKS], l[BLOCKS];
    for (int b = 0; b < BLOCKS; b++) {
        const int r0 = (s + b * splits) * LANES;
        lastKey[b] = r0 < rows ? min(tokens - 1, positions[r0 + LANES - 1]) : -1;
        if (r0 < rows) { blocks = b + 1; lastKeyAll = max(lastKeyAll, lastKey[b]); }
        m[b] = (floatV)(-INFINITY);
        l[b] = (floatV)(0.0f);
    }
    for (int j0 = 0; j0 <= lastKeyAll; j0 += CHUNK) {
        __global const float* kChunk = k + (size_t)j0 * HEAD_DIM;
        for (int b = 0; b < blocks; ) {
            if (j0 > lastKey[b]) { b++; continue; }                                 // as block_column_sums' chunk loop bound
            const int r0 = (s + b * splits) * LANES;
            __global float* e = e0 + b * blockFloats;
            if (b + 1 < blocks && j0 <= lastKey[b + 1]) {
                // two row blocks on one register tile, CHUNK/2 keys at a time
                const int r1 = (s + (b + 1) * splits) * LANES;
                __global float* f = e + blockFloats;
                floatV m0 = m[b], m1 = m[b + 1];
                for (int h = 0; h < CHUNK; h += HALF) {
                    floatV z0[HALF], z1[HALF];
                    tile_dot_pair(z0, z1, qHead + r0, qHead + r1, rowsPadded, kChunk + (size_t)h * HEAD_DIM);
                    m0 = store_logits(z0, HALF, j0 + h, vloadV(0, positions + r0), tokens, scale, e, m0);
                    m1 = store_logits(z1, HALF, j0 + h, vloadV(0, positions + r1), tokens, scale, f, m1);
                }
                exp_chunk(e, e + (size_t)tokensPadded * LANES, j0, m0, &m[b], &l[b]);
                exp_chunk(f, f + (size_t)tokensPadded * LANES, j0, m1, &m[b + 1], &l[b + 1]);
                b += 2;
            } else {
                floatV z[CHUNK];
                tile_dot(z, qHead + r0, rowsPadded, kChunk);
                const floatV mChunk = store_logits(z, CHUNK, j0, vloadV(0, positions + r0), tokens, scale, e, m[b]);
                exp_chunk(e, e + (size_t)tokensPadded * LANES, j0, mChunk, &m[b], &l[b]);
                b++;
            }
        }
    }
    // (3) a[j] += sum_lanes e_j exp(m_chunk - m) / l, block after block (ascending, as block_column_sums)
    for (int b = 0; b < blocks; b++) {
        const int r0 = (s + b * splits) * LANES;
        __global const float* e = e0 + b * blockFloats;
        __global const float* chunkMax = e + (size_t)tokensPadded * LANES;
        const floatV inverse = select((floatV)(0.0f), (floatV)(1.0f) / l[b], (r0 + lane) < rows);
        for (int j0 = 0; j0 <= lastKey[b]; j0 += CHUNK) {
            const floatV factor = exp(vloadV(j0 / CHUNK, chunkMax) - m[b]) * inverse;
            #pragma unroll
            for (int c = 0; c < CHUNK; c++) a[j0 + c] += hsumV(vloadV(j0 + c, e) * factor);
        }
    }
}
#endif
