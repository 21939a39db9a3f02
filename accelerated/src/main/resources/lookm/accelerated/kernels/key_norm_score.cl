// key_norm_score.cl: mirrors lookm.reference.score.KeyNormScore, step (1): S[h][j] = −‖k_{h,j}‖₂ (kvpress KnormPress).

// (1) One work-item per (token j, head h); float accumulation over the D channels.
__kernel void negative_key_norms(__global const float* keys, const int tokens, const int dim, __global float* scores) {
    const int j = get_global_id(0), h = get_global_id(1);
    const __global float* k = keys + ((size_t)h * tokens + j) * dim;
    float squares = 0.0f;
    for (int c = 0; c < dim; c++) squares = fma(k[c], k[c], squares);
    scores[(size_t)h * tokens + j] = -sqrt(squares);
}
