package lookm.traces.synth;

/**
 * Accumulated attention of one query head, computed exactly from Q and K without materialising the T x T
 * matrix: for each query row i, a stable softmax over keys 0..i, added column by column.
 */
public final class CausalAttention {
    private CausalAttention() {}

    /**
     * a[j] = Σ_{i ≥ j, i ∈ rows} w · P[i, j], P = causal softmax(Q·Kᵀ / sqrt(D)).
     *
     * @param queries (T, D) this query head's prefill queries, row-major. Not modified.
     * @param keys    (T, D) the keys of its KV head, row-major; {@code keyOffset} is the index of (0, 0). Not modified.
     * @param stride  rows i = T-1, T-1-stride, ... are computed, each with weight w = T / rows ≈ stride
     *                (so that, as for exact attention, the sums add up to T; 1: exact)
     * @return (T) column sums, float32
     */
    public static float[] columnSums(float[] queries, float[] keys, int keyOffset, int tokens, int headDim, int stride) {
        double scale = 1.0 / Math.sqrt(headDim);
        double[] sums = new double[tokens];
        double[] logits = new double[tokens];
        int rows = (tokens + stride - 1) / stride;                           // i = T-1, T-1-s, ... >= 0
        double rowWeight = (double) tokens / rows;
        for (int i = tokens - 1; i >= 0; i -= stride) {
            // (1) l_j = q_i · k_j / sqrt(D) for j <= i; m = max_j l_j
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                logits[j] = dot(queries, i * headDim, keys, keyOffset + j * headDim, headDim) * scale;
                max = Math.max(max, logits[j]);
            }
            // (2) e_j = exp(l_j - m), Z = Σ_j e_j   (shifting by m keeps every exp <= 1)
            double z = 0;
            for (int j = 0; j <= i; j++) {
                logits[j] = Math.exp(logits[j] - max);
                z += logits[j];
            }
            // (3) a_j += w · e_j / Z,  w = T / rows
            double weight = rowWeight / z;
            for (int j = 0; j <= i; j++) sums[j] += logits[j] * weight;
        }
        float[] out = new float[tokens];
        for (int j = 0; j < tokens; j++) out[j] = (float) sums[j];
        return out;
    }

    private static double dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        double s = 0;
        for (int d = 0; d < n; d++) s += (double) a[aOffset + d] * b[bOffset + d];
        return s;
    }
}
