// causal_column_sums.cl: mirrors lookm.reference.score.CausalColumnSums, steps (1)-(3).
//
// a_q[j] = sum_i P_q[i, j], the column sums of the causal softmax attention, without materialising T x T:
//   (1) row_log_sum_exp: per query row i, m_i = max_{j<=p_i} z_ij and l_i = sum_{j<=p_i} exp(z_ij - m_i),
//       z_ij = q_i.k_j / sqrt(D)  (p_i = absolute position of row i; probes after the prompt see all T keys)
//   (2) column_sums:     a_q[j] = sum_{i: p_i >= j} exp(z_ij - m_i) / l_i
//   (3) sum_over_group:  per KV head, the sum over its GQA group (query head q reads KV head q / G)
// Steps (1) and (2) recompute z in register tiles: a work-item holds LANES rows (1) or LANES keys (2) in vector
// lanes and walks the other side CHUNK at a time, so there are no horizontal reductions and no atomics; every
// sum runs in a fixed order, so repeated runs are bit-identical.
//
// Build options: -DLANES=<2|4|8|16> -DCHUNK=<n> -DHEAD_DIM=<D>.
// Layouts (rows padded to a multiple of LANES and CHUNK; padding rows are zero, padding positions repeat the last):
//   queries (Hq, NP, D), queriesT (Hq, D, NP), keys (Hkv, TP, D), keysT (Hkv, D, TP), positions (NP).

#include "lookm_tiles.h"

// (1) One work-item: query rows [r0, r0 + LANES) of query head q; keys in chunks of CHUNK with an online
//     (running-max) log-sum-exp. Writes m_i and 1 / l_i, each (Hq, NP).
__kernel void row_log_sum_exp(__global const float* queriesT, __global const float* keys, __global const int* positions,
                              const int rowsPadded, const int tokens, const int tokensPadded, const int groupSize,
                              const float scale, __global float* rowMax, __global float* rowInvSum) {
    const int r0 = get_global_id(0) * LANES;
    const int q = get_global_id(1);
    const int kv = q / groupSize;
    const intV position = vloadV(0, positions + r0);
    const int lastKey = min(tokens - 1, positions[r0 + LANES - 1]);
    __global const float* qT = queriesT + (size_t)q * HEAD_DIM * rowsPadded + r0;
    __global const float* k = keys + (size_t)kv * tokensPadded * HEAD_DIM;
    floatV m = (floatV)(-INFINITY);
    floatV l = (floatV)(0.0f);
    for (int j0 = 0; j0 <= lastKey; j0 += CHUNK) {
        floatV z[CHUNK];
        #pragma unroll
        for (int c = 0; c < CHUNK; c++) z[c] = (floatV)(0.0f);
        __global const float* kc = k + (size_t)j0 * HEAD_DIM;
        for (int d = 0; d < HEAD_DIM; d++) {
            const floatV qd = vloadV(0, qT + (size_t)d * rowsPadded);
            #pragma unroll
            for (int c = 0; c < CHUNK; c++) z[c] = fma(qd, (floatV)(kc[c * HEAD_DIM + d]), z[c]);
        }
        floatV mNew = m;
        #pragma unroll
        for (int c = 0; c < CHUNK; c++) {
            const int j = j0 + c;
            const intV visible = (j < tokens) ? (j <= position) : (intV)(0);
            z[c] = select((floatV)(-INFINITY), z[c] * scale, visible);
            mNew = fmax(mNew, z[c]);
        }
        floatV sum = l * exp(m - mNew);
        #pragma unroll
        for (int c = 0; c < CHUNK; c++) sum += exp(z[c] - mNew);
        l = sum;
        m = mNew;
    }
    vstoreV(m, 0, rowMax + (size_t)q * rowsPadded + r0);
    vstoreV((floatV)(1.0f) / l, 0, rowInvSum + (size_t)q * rowsPadded + r0);
}

// (2) One work-item: keys [j0, j0 + LANES) of query head q; the query rows that see them (p_i >= j) in chunks of
//     CHUNK, ascending. Writes a_q[j], (Hq, TP).
__kernel void column_sums(__global const float* queries, __global const float* keysT, __global const int* positions,
                          const int rows, const int rowsPadded, const int tokensPadded, const int groupSize,
                          const float scale, __global const float* rowMax, __global const float* rowInvSum,
                          __global float* columnSums) {
    const int j0 = get_global_id(0) * LANES;
    const int q = get_global_id(1);
    const int kv = q / groupSize;
    const intV j = j0 + vloadV(0, LANE_INDEX);
    int lo = 0, hi = rows;                          // first row with p_i >= j0 (positions ascending)
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (positions[mid] < j0) lo = mid + 1; else hi = mid;
    }
    __global const float* kT = keysT + (size_t)kv * HEAD_DIM * tokensPadded + j0;
    __global const float* m = rowMax + (size_t)q * rowsPadded;
    __global const float* invSum = rowInvSum + (size_t)q * rowsPadded;
    floatV a = (floatV)(0.0f);
    for (int r0 = lo - lo % CHUNK; r0 < rows; r0 += CHUNK) {
        floatV z[CHUNK];
        #pragma unroll
        for (int c = 0; c < CHUNK; c++) z[c] = (floatV)(0.0f);
        __global const float* qc = queries + ((size_t)q * rowsPadded + r0) * HEAD_DIM;
        for (int d = 0; d < HEAD_DIM; d++) {
            const floatV kd = vloadV(0, kT + (size_t)d * tokensPadded);
            #pragma unroll
            for (int c = 0; c < CHUNK; c++) z[c] = fma((floatV)(qc[c * HEAD_DIM + d]), kd, z[c]);
        }
        floatV chunk = (floatV)(0.0f);
        #pragma unroll
        for (int c = 0; c < CHUNK; c++) {
            const int r = r0 + c;
            const floatV p = exp(z[c] * scale - m[r]) * invSum[r];
            const intV seen = (r < rows) ? (j <= positions[r]) : (intV)(0);
            chunk += select((floatV)(0.0f), p, seen);
        }
        a += chunk;
    }
    vstoreV(a, 0, columnSums + (size_t)q * tokensPadded + j0);
}

// (3) One work-item per (token j, KV head): the sum over the group's query heads, ascending. (Hq, TP) -> (Hkv, T).
__kernel void sum_over_group(__global const float* perQueryHead, const int tokens, const int tokensPadded,
                             const int groupSize, __global float* perKvHead) {
    const int j = get_global_id(0);
    const int kv = get_global_id(1);
    float sum = 0.0f;
    for (int g = 0; g < groupSize; g++) sum += perQueryHead[(size_t)(kv * groupSize + g) * tokensPadded + j];
    perKvHead[(size_t)kv * tokens + j] = sum;
}
