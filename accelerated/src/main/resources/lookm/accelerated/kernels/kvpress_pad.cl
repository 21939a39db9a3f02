// kvpress_pad.cl: the last steps of lookm.reference.score.KvpressSnapKvScore (3)-(4) and TovaScore (2)-(4): scale the
// scored prefix, and give the positions kvpress always keeps (the SnapKV window, TOVA's last token) the layer's
// largest score + pad, so a plain top-n keeps them.
//   out[h][j] = scale · Σ_{r < inRows/outRows-group} in[r][j]   for j < prefix   (sumRows input rows per output row)
//   out[h][j] = max_{h', j' < prefix} out[h'][j'] + pad          for j >= prefix
// Sums and the max run in ascending order (deterministic).

// (a) scaled[h][j] = scale · Σ_{r in [h·sumRows, (h+1)·sumRows)} in[r][j] mod inRows, j < prefix: one work-item per (j, h).
__kernel void scale_rows(__global const float* in, const int inRows, const int sumRows, const int stride, const int prefix,
                         const float scale, __global float* scaled) {
    const int j = get_global_id(0), h = get_global_id(1);
    float sum = 0.0f;
    for (int r = 0; r < sumRows; r++) sum += in[(size_t)((h * sumRows + r) % inRows) * stride + j];
    scaled[(size_t)h * stride + j] = j < prefix ? scale * sum : 0.0f;
}

// (b) the largest scaled score over every row and j < prefix: one work-item (a layer is at most a few MB).
__kernel void prefix_max(__global const float* scaled, const int rows, const int stride, const int prefix, __global float* max) {
    float m = 0.0f;
    for (int h = 0; h < rows; h++)
        for (int j = 0; j < prefix; j++) {
            const float v = scaled[(size_t)h * stride + j];
            m = (h == 0 && j == 0) || v > m ? v : m;
        }
    max[0] = m;
}

// (c) out = scaled on the prefix, max + pad after it: one work-item per (j, h).
__kernel void pad_above_max(__global const float* scaled, __global const float* max, const int stride, const int prefix,
                            const float pad, __global float* out) {
    const int j = get_global_id(0), h = get_global_id(1);
    const size_t at = (size_t)h * stride + j;
    out[at] = j < prefix ? scaled[at] : max[0] + pad;
}
