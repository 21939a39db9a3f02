package lookm.spec.tensor;

/**
 * Importance per cached token and KV head, shape (H, T); higher means keep. Finite (NaN/Inf rejected).
 * {@code precision}: the dtype the original runtime holds them in (BF16: every value is a bfloat16 value).
 */
public record Scores(float[] values, int heads, int tokens, ScorePrecision precision) {
    public Scores {
        String shape = "(H=" + heads + ", T=" + tokens + ")";
        Checks.length("Scores.values", values, Checks.volume("Scores " + shape, heads, tokens, 1), shape);
        Checks.finite("Scores.values", values, tokens, 1);
        if (precision == null) throw new IllegalArgumentException("Scores.precision must not be null");
        if (precision == ScorePrecision.BF16)
            for (int i = 0; i < values.length; i++)
                if (!ScorePrecision.isBf16(values[i]))
                    throw new IllegalArgumentException("Scores.values: BF16 scores must be bfloat16 values; head " + i / tokens
                            + ", token " + i % tokens + " has " + values[i]);
    }

    /** float32 scores. */
    public Scores(float[] values, int heads, int tokens) { this(values, heads, tokens, ScorePrecision.FLOAT32); }

    /** All-zero scores, for selections that do not read scores (full cache, StreamingLLM, recent). */
    public static Scores zeros(int heads, int tokens) { return new Scores(new float[heads * tokens], heads, tokens); }

    public float at(int head, int token) { return values[head * tokens + token]; }
}
