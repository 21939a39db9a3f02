package lookm.spec.tensor;

/**
 * Recorded accumulated prefill attention per query head, shape (Hq, T): a[h][j] = Σ_i P_h[i, j], the column
 * sums of the causal softmax attention. Column sums are non-negative; NaN, Inf and negatives are rejected.
 */
public record AccumulatedAttention(float[] values, int queryHeads, int tokens) {
    public AccumulatedAttention {
        String shape = "(Hq=" + queryHeads + ", T=" + tokens + ")";
        Checks.length("AccumulatedAttention.values", values, Checks.volume("AccumulatedAttention " + shape, queryHeads, tokens, 1), shape);
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!(v >= 0f) || Float.isInfinite(v))
                throw new IllegalArgumentException("AccumulatedAttention has " + v + " at query head " + i / tokens + ", token " + i % tokens
                        + ": column sums of attention must be finite and >= 0");
        }
    }

    public float at(int queryHead, int token) { return values[queryHead * tokens + token]; }
}
