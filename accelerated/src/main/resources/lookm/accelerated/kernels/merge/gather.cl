// gather.cl: mirrors lookm.reference.merge.DropMerge (Rows.copy): the kept rows of each head, bit for bit.

// One work-item per (dim d, kept row r, head h). data: (H, T, D); out: (H, keptStride, D).
__kernel void gather_kept_rows(__global const float* data, const int tokens, const int dim,
                               __global const int* keptPositions, const int keptStride, __global const int* keptCounts,
                               __global float* out) {
    const int d = get_global_id(0), r = get_global_id(1), h = get_global_id(2);
    if (r >= keptCounts[h]) return;
    out[((size_t)h * keptStride + r) * dim + d] = data[((size_t)h * tokens + keptPositions[h * keptStride + r]) * dim + d];
}
