// lagkv_score.cl: mirrors lookm.reference.score.LagKvScore, steps (0)-(5) (kvpress LagKVPress, cross_scoring off).
// After S sinks, P = (T − S)/ℓ partitions of ℓ tokens; partition p < P − 1 is scored against partition p + 1.
// Sums run in ascending channel / token order; ranks count (no sort), so repeated runs are bit-identical.

// (1) m_c and M_c of every partition q ≥ 1 (the references): one work-item per (channel c, partition q, head h);
//     lo/hi are (H, P, D). X = K or V per launch.
__kernel void partition_ranges(__global const float* data, const int tokens, const int dim, const int sinks, const int lag,
                               __global float* lo, __global float* hi) {
    const int c = get_global_id(0), q = get_global_id(1), h = get_global_id(2);
    float m = INFINITY, M = -INFINITY;
    for (int t = sinks + q * lag; t < sinks + (q + 1) * lag; t++) {
        const float v = data[((size_t)h * tokens + t) * dim + c];
        m = fmin(m, v);
        M = fmax(M, v);
    }
    const size_t at = ((size_t)h * get_global_size(1) + q) * dim + c;
    lo[at] = m;
    hi[at] = M;
}

// (2) z[h][i] = sample std over channels (two passes) of (x_{j,c} − m_c)/(M_c − m_c), m, M of the next partition,
//     0 where M_c = m_c; j = S + i for scored token i: one work-item per (i, head h). z is (H, scored) at zOffset.
__kernel void scaled_std(__global const float* data, __global const float* lo, __global const float* hi, const int tokens,
                         const int dim, const int sinks, const int lag, const int partitions, __global float* z, const int zOffset) {
    const int i = get_global_id(0), h = get_global_id(1);
    const __global float* row = data + ((size_t)h * tokens + sinks + i) * dim;
    const size_t range = ((size_t)h * partitions + i / lag + 1) * dim;
    float sum = 0.0f;
    for (int c = 0; c < dim; c++) sum += hi[range + c] == lo[range + c] ? 0.0f : (row[c] - lo[range + c]) / (hi[range + c] - lo[range + c]);
    const float mean = sum / dim;
    float squares = 0.0f;
    for (int c = 0; c < dim; c++) {
        const float d = (hi[range + c] == lo[range + c] ? 0.0f : (row[c] - lo[range + c]) / (hi[range + c] - lo[range + c])) - mean;
        squares = fma(d, d, squares);
    }
    z[zOffset + (size_t)h * get_global_size(0) + i] = dim > 1 ? sqrt(squares / (dim - 1)) : 0.0f;
}

// (3)-(4) s = (softmax_K + softmax_V)/2 over each partition: one work-item per (partition p, head h).
__kernel void partition_softmax(__global const float* z, const int scored, const int lag, const int heads, __global float* s) {
    const int p = get_global_id(0), h = get_global_id(1);
    const size_t k = (size_t)h * scored + (size_t)p * lag, v = ((size_t)heads + h) * scored + (size_t)p * lag;
    float maxK = -INFINITY, maxV = -INFINITY, sumK = 0.0f, sumV = 0.0f;
    for (int i = 0; i < lag; i++) {
        maxK = fmax(maxK, z[k + i]);
        maxV = fmax(maxV, z[v + i]);
    }
    for (int i = 0; i < lag; i++) {
        sumK += exp(z[k + i] - maxK);
        sumV += exp(z[v + i] - maxV);
    }
    for (int i = 0; i < lag; i++) s[k + i] = (exp(z[k + i] - maxK) / sumK + exp(z[v + i] - maxV) / sumV) / 2.0f;
}

// (0), (5) the stored score per (token j, head h): 1 on the sinks and the tail; rank within the partition / ℓ
//          (equal s: lower position lower rank); short layers (no scored partition): (j − S)/(T − S).
__kernel void rank_scores(__global const float* s, const int tokens, const int sinks, const int lag, const int scored,
                          const float protectedScore, __global float* out) {
    const int j = get_global_id(0), h = get_global_id(1);
    const size_t at = (size_t)h * tokens + j;
    if (tokens < sinks + 2 * lag) {
        out[at] = j < sinks ? protectedScore : (float)(j - sinks) / (tokens - sinks);
        return;
    }
    if (j < sinks || j >= sinks + scored) {
        out[at] = protectedScore;
        return;
    }
    const int i = j - sinks, first = (i / lag) * lag;
    const __global float* row = s + (size_t)h * scored;
    int rank = 0;
    for (int k = first; k < first + lag; k++) rank += row[k] < row[i] || (row[k] == row[i] && k < i);
    out[at] = (float)rank / lag;
}
