// value_merge.cl: mirrors lookm.reference.merge.ValueMerge, steps (3)-(4) (kvpress MergingPress, values only).
// Steps (1)-(2) are cosine_match.cl; the owner lists are match_merge.cl's owners_of_kept_rows; keys are gather.cl's
// bit-for-bit copy (the value merge never changes keys).

// (3) Per (evicted slot s, head h): target = match if σ ≥ threshold, else −1;
//     w = max(σ, 0)·‖v_e‖ / (‖v_e‖ + ‖v_τ‖ + ε), 0 when not merged.
__kernel void value_merge_weights(__global const float* values, const int tokens, const int dim,
                                  __global const int* keptPositions, const int keptStride,
                                  __global const int* evictedPositions, const int evictedStride, __global const int* evictedCounts,
                                  __global const int* match, __global const float* similarity, const float threshold, const float epsilon,
                                  __global int* target, __global float* weight) {
    const int s = get_global_id(0), h = get_global_id(1);
    const size_t at = (size_t)h * evictedStride + s;
    const int m = s < evictedCounts[h] ? match[at] : -1;
    if (m < 0 || !(similarity[at] >= threshold)) {
        target[at] = -1;
        weight[at] = 0.0f;
        return;
    }
    const __global float* e = values + ((size_t)h * tokens + evictedPositions[at]) * dim;
    const __global float* k = values + ((size_t)h * tokens + keptPositions[(size_t)h * keptStride + m]) * dim;
    float evictedSquares = 0.0f, keptSquares = 0.0f;
    for (int c = 0; c < dim; c++) {
        evictedSquares = fma(e[c], e[c], evictedSquares);
        keptSquares = fma(k[c], k[c], keptSquares);
    }
    const float evictedNorm = sqrt(evictedSquares);
    target[at] = m;
    weight[at] = fmax(similarity[at], 0.0f) * evictedNorm / (evictedNorm + sqrt(keptSquares) + epsilon);
}

// (4) One work-item per (dim d, kept row r, head h): v'_r = (v_r + Σ w·v_e) / (1 + Σ w) over its sources in ascending
//     slot order when Σ w > 0, else v_r bit for bit. out: (H, keptStride, D).
__kernel void merge_values(__global const float* values, const int tokens, const int dim,
                           __global const int* keptPositions, const int keptStride, __global const int* keptCounts,
                           __global const int* evictedPositions, const int evictedStride, __global const float* weight,
                           __global const int* rowStart, __global const int* sources, __global float* out) {
    const int d = get_global_id(0), r = get_global_id(1), h = get_global_id(2);
    if (r >= keptCounts[h]) return;
    const float self = values[((size_t)h * tokens + keptPositions[h * keptStride + r]) * dim + d];
    __global const int* start = rowStart + (size_t)h * (keptStride + 1);
    float numerator = self, total = 0.0f;
    for (int i = start[r]; i < start[r + 1]; i++) {
        const int s = sources[(size_t)h * evictedStride + i];
        const float w = weight[(size_t)h * evictedStride + s];
        numerator += w * values[((size_t)h * tokens + evictedPositions[h * evictedStride + s]) * dim + d];
        total += w;
    }
    out[((size_t)h * keptStride + r) * dim + d] = total > 0.0f ? numerator / (1.0f + total) : self;
}
