// cur_score.cl: mirrors lookm.reference.score.CurScore, steps (1)-(4) (kvpress CURPress, kv_product, local approximation):
// κ = ‖k‖², ν = ‖v‖², each normalised inside blocks of w positions, S = κ̂·ν̂ / Σ κ̂·ν̂, the first S positions score 1.

// (1) κ and ν per (token j, head h).
__kernel void squared_norms(__global const float* keys, __global const float* values, const int tokens, const int dim,
                            __global float* kappa, __global float* nu) {
    const int j = get_global_id(0), h = get_global_id(1);
    const size_t row = ((size_t)h * tokens + j) * dim;
    float k = 0.0f, v = 0.0f;
    for (int c = 0; c < dim; c++) {
        k = fma(keys[row + c], keys[row + c], k);
        v = fma(values[row + c], values[row + c], v);
    }
    kappa[(size_t)h * tokens + j] = k;
    nu[(size_t)h * tokens + j] = v;
}

// (2) κ̂_j·ν̂_j: each divided by its sum over j's block [w·⌊j/w⌋, min(w·⌊j/w⌋ + w, T)); a zero sum gives 0.
__kernel void local_leverage_product(__global const float* kappa, __global const float* nu, const int tokens, const int window,
                                     __global float* product) {
    const int j = get_global_id(0), h = get_global_id(1);
    const int start = (j / window) * window, end = min(start + window, tokens);
    const __global float* k = kappa + (size_t)h * tokens;
    const __global float* v = nu + (size_t)h * tokens;
    float kSum = 0.0f, vSum = 0.0f;
    for (int t = start; t < end; t++) {
        kSum += k[t];
        vSum += v[t];
    }
    const float kHat = kSum == 0.0f ? 0.0f : k[j] / kSum, vHat = vSum == 0.0f ? 0.0f : v[j] / vSum;
    product[(size_t)h * tokens + j] = kHat * vHat;
}

// (3) Σ_j κ̂_j·ν̂_j per head: one work-item per head, positions in order.
__kernel void head_totals(__global const float* product, const int tokens, __global float* totals) {
    const int h = get_global_id(0);
    float sum = 0.0f;
    for (int j = 0; j < tokens; j++) sum += product[(size_t)h * tokens + j];
    totals[h] = sum;
}

// (3)-(4) S_j = κ̂_j·ν̂_j / total (0 if the total is 0), and S_j = protectedScore for j < sinks.
__kernel void normalize_with_sinks(__global const float* product, __global const float* totals, const int tokens, const int sinks,
                                   const float protectedScore, __global float* scores) {
    const int j = get_global_id(0), h = get_global_id(1);
    const float total = totals[h];
    const size_t at = (size_t)h * tokens + j;
    scores[at] = j < sinks ? protectedScore : total == 0.0f ? 0.0f : product[at] / total;
}
