// window_attention_score.cl: mirrors lookm.reference.score.WindowAttentionScore, step (3) (pooling).
// Steps (1)-(2) (the window rows' log-sum-exp and their column sums s[j] = sum_{i in window} P[i, j]) run the
// kernels of causal_column_sums.cl over the window rows only; step (4) (sum over the GQA group) is its
// sum_over_group.
//
// (3) pooled[j] over the prefix [0, L), L = T - W:
//       AVG: (1 / kernel) * sum_{t=-h..h} s[j + t], zero padding outside [0, L) (count_include_pad)
//       MAX: max_{t=-h..h, 0 <= j+t < L} s[j + t]
//     and 0 for j >= L. h = kernel / 2. Sums run in ascending t.

#define POOL_AVG 0
#define POOL_MAX 1

// One work-item per (token j, row b) of a (B, stride) array.
__kernel void pool_window_scores(__global const float* scores, const int stride, const int prefix, const int kernelSize,
                                 const int mode, __global float* pooled) {
    const int j = get_global_id(0), b = get_global_id(1);
    __global const float* s = scores + (size_t)b * stride;
    const int radius = kernelSize / 2;
    float out = 0.0f;
    if (j < prefix) {
        if (mode == POOL_AVG) {
            float sum = 0.0f;
            for (int t = -radius; t <= radius; t++) {
                const int i = j + t;
                if (i >= 0 && i < prefix) sum += s[i];
            }
            out = sum / (float)kernelSize;
        } else {
            float best = s[j];
            for (int t = -radius; t <= radius; t++) {
                const int i = j + t;
                if (i >= 0 && i < prefix) best = fmax(best, s[i]);
            }
            out = best;
        }
    }
    pooled[(size_t)b * stride + j] = out;
}
