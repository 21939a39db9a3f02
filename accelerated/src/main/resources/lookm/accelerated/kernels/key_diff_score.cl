// key_diff_score.cl: mirrors lookm.reference.score.KeyDiffScore, steps (1)-(2) (kvpress KeyDiffPress):
// u = (1/T)·Σ_j k_j / max(‖k_j‖, ε_n) per head, S[j] = −k_j·u / max(‖k_j‖·‖u‖, ε_c).

// (0) ‖k_{h,j}‖ per (token j, head h).
__kernel void key_norms(__global const float* keys, const int tokens, const int dim, __global float* norms) {
    const int j = get_global_id(0), h = get_global_id(1);
    const __global float* k = keys + ((size_t)h * tokens + j) * dim;
    float squares = 0.0f;
    for (int c = 0; c < dim; c++) squares = fma(k[c], k[c], squares);
    norms[(size_t)h * tokens + j] = sqrt(squares);
}

// (1) u[h][c] = (1/T)·Σ_j k[h][j][c] / max(‖k_{h,j}‖, ε_n): one work-item per (channel c, head h), tokens in order.
__kernel void mean_direction(__global const float* keys, __global const float* norms, const int tokens, const int dim,
                             const float normalizeEpsilon, __global float* anchor) {
    const int c = get_global_id(0), h = get_global_id(1);
    float sum = 0.0f;
    for (int j = 0; j < tokens; j++)
        sum += keys[((size_t)h * tokens + j) * dim + c] / fmax(norms[(size_t)h * tokens + j], normalizeEpsilon);
    anchor[(size_t)h * dim + c] = sum / tokens;
}

// (2) S[h][j] = −k·u / max(‖k‖·‖u‖, ε_c): one work-item per (token j, head h).
__kernel void negative_cosine_to_anchor(__global const float* keys, __global const float* norms, __global const float* anchor,
                                        const int tokens, const int dim, const float cosineEpsilon, __global float* scores) {
    const int j = get_global_id(0), h = get_global_id(1);
    const __global float* k = keys + ((size_t)h * tokens + j) * dim;
    const __global float* u = anchor + (size_t)h * dim;
    float dot = 0.0f, squares = 0.0f;
    for (int c = 0; c < dim; c++) {
        dot = fma(k[c], u[c], dot);
        squares = fma(u[c], u[c], squares);
    }
    scores[(size_t)h * tokens + j] = -dot / fmax(norms[(size_t)h * tokens + j] * sqrt(squares), cosineEpsilon);
}
