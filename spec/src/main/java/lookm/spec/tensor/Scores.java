package lookm.spec.tensor;

/** Importance per cached token and KV head, shape (H, T); higher means keep. Finite (NaN/Inf rejected). */
public record Scores(float[] values, int heads, int tokens) {
    public Scores {
        String shape = "(H=" + heads + ", T=" + tokens + ")";
        Checks.length("Scores.values", values, Checks.volume("Scores " + shape, heads, tokens, 1), shape);
        Checks.finite("Scores.values", values, tokens, 1);
    }

    /** All-zero scores, for selections that do not read scores (full cache, StreamingLLM, recent). */
    public static Scores zeros(int heads, int tokens) { return new Scores(new float[heads * tokens], heads, tokens); }

    public float at(int head, int token) { return values[head * tokens + token]; }
}
