// pad_transpose.cl: layout helpers for the score kernels (no reference counterpart: the reference reads (H, T, D)
// arrays directly). Row-major (B, R, D) -> zero-padded row-major (B, RP, D) and transposed (B, D, RP).

// One work-item per (padded row r, dim d, batch b).
__kernel void pad_rows(__global const float* in, const int rows, const int rowsPadded, const int dim, __global float* out) {
    const int r = get_global_id(0), d = get_global_id(1), b = get_global_id(2);
    out[((size_t)b * rowsPadded + r) * dim + d] = r < rows ? in[((size_t)b * rows + r) * dim + d] : 0.0f;
}

// One work-item per (padded row r, dim d, batch b); consecutive r write consecutive addresses.
__kernel void transpose_rows(__global const float* in, const int rows, const int rowsPadded, const int dim, __global float* out) {
    const int r = get_global_id(0), d = get_global_id(1), b = get_global_id(2);
    out[((size_t)b * dim + d) * rowsPadded + r] = r < rows ? in[((size_t)b * rows + r) * dim + d] : 0.0f;
}
