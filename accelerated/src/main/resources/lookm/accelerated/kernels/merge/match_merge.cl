// match_merge.cl: mirrors lookm.reference.merge.MatchMerge, step (5) (owner computes).
//   row'_r = [row_r + sum_{s->r} (w_s * row_{e_s} + pi * row_r)] / (1 + n_r), pi = the variant's pivot share;
//   rows with no assignment are copied bit for bit. Keys and values use the same assignment.
// Each kept row is written by exactly one work-item, which adds its sources in ascending evicted order: no
// atomics, a fixed summation order, bit-identical repeated runs.

// (5a) Per head, the evicted slots assigned to each kept row, as lists in ascending slot order (CSR):
//      sources[rowStart[r] .. rowStart[r + 1]) for kept row r. One work-item per head (a serial counting sort).
__kernel void owners_of_kept_rows(__global const int* target, const int evictedStride, __global const int* evictedCounts,
                                  const int keptStride, __global const int* keptCounts,
                                  __global int* rowStart, __global int* sources) {
    const int h = get_global_id(0);
    const int evicted = evictedCounts[h], kept = keptCounts[h];
    __global const int* t = target + (size_t)h * evictedStride;
    __global int* start = rowStart + (size_t)h * (keptStride + 1);
    __global int* src = sources + (size_t)h * evictedStride;
    for (int r = 0; r <= kept; r++) start[r] = 0;
    for (int s = 0; s < evicted; s++) if (t[s] >= 0) start[t[s] + 1]++;
    for (int r = 0; r < kept; r++) start[r + 1] += start[r];
    for (int s = 0; s < evicted; s++) if (t[s] >= 0) src[start[t[s]]++] = s;   // start[r] moves to the end of row r
    for (int r = kept; r > 0; r--) start[r] = start[r - 1];
    start[0] = 0;
}

// (5b) One work-item per (dim d, kept row r, head h). data: (H, T, D); out: (H, keptStride, D).
__kernel void merge_rows(__global const float* data, const int tokens, const int dim,
                         __global const int* keptPositions, const int keptStride, __global const int* keptCounts,
                         __global const int* evictedPositions, const int evictedStride, __global const float* weight,
                         __global const int* rowStart, __global const int* sources, const float pivotShare,
                         __global float* out) {
    const int d = get_global_id(0), r = get_global_id(1), h = get_global_id(2);
    if (r >= keptCounts[h]) return;
    const float self = data[((size_t)h * tokens + keptPositions[h * keptStride + r]) * dim + d];
    __global const int* start = rowStart + (size_t)h * (keptStride + 1);
    const int begin = start[r], end = start[r + 1];
    float merged = self;
    if (end > begin) {
        float numerator = self;
        for (int i = begin; i < end; i++) {
            const int s = sources[(size_t)h * evictedStride + i];
            const float row = data[((size_t)h * tokens + evictedPositions[h * evictedStride + s]) * dim + d];
            numerator += weight[(size_t)h * evictedStride + s] * row + pivotShare * self;
        }
        merged = numerator / (float)(1 + end - begin);
    }
    out[((size_t)h * keptStride + r) * dim + d] = merged;
}
