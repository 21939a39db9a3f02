package lookm.spec.tensor;

/**
 * The dtype the original runtime holds the score tensor in (SPEC.md §2.8). Scores are stored as float32 either way;
 * under BF16 every value is a bfloat16 value and the arithmetic the released text prior does on them (the −Λ penalty)
 * is rounded to bfloat16, as torch does for a bfloat16 tensor.
 */
public enum ScorePrecision {
    /** float32 scores and arithmetic: the golden cases (the authors' code run in float32), and the default. */
    FLOAT32,
    /**
     * bfloat16 scores: what the authors' code computes under {@code torch.autocast(device_type="cpu",
     * dtype=torch.bfloat16)} (torch 1.13: probabilities, column sums and the penalty mask are all bfloat16, so the
     * penalty −65516 becomes −65536 and image scores below 128 collapse onto it), and in a bfloat16 model without
     * autocast. Column sums are rounded to bfloat16 once (torch accumulates the bfloat16 sum in float32).
     */
    BF16;

    /** bfloat16 keeps the top 16 bits of a float32. */
    private static final int BF16_SHIFT = 16;
    private static final int BF16_HALF_ULP = 0x7FFF;
    private static final int BF16_MASK = 0xFFFF0000;

    /** Rounds to the nearest bfloat16, ties to even, as torch's float → bfloat16 conversion (NaN stays NaN). */
    public static float toBf16(float x) {
        if (Float.isNaN(x)) return x;
        int bits = Float.floatToRawIntBits(x);
        bits += BF16_HALF_ULP + ((bits >>> BF16_SHIFT) & 1);
        return Float.intBitsToFloat(bits & BF16_MASK);
    }

    /** True if {@code x} is exactly a bfloat16 value. */
    public static boolean isBf16(float x) { return (Float.floatToRawIntBits(x) & ~BF16_MASK) == 0; }

    /** The value stored under this precision: unchanged (FLOAT32) or rounded to bfloat16. */
    public float round(float x) { return this == BF16 ? toBf16(x) : x; }

    /**
     * The released text prior's a − Λ in this precision: float32 subtraction (FLOAT32), or, as torch adds two
     * bfloat16 tensors, bf16(a − bf16(Λ)) computed in float32 and rounded once (BF16).
     */
    public float penalised(float a, float penalty) { return round(a - round(penalty)); }

    /** {@code scores} held in this precision: the same object (FLOAT32) or a rounded copy tagged BF16. */
    public Scores apply(Scores scores) {
        if (this == FLOAT32 || scores.precision() == BF16) return scores;
        float[] v = scores.values().clone();
        for (int i = 0; i < v.length; i++) v[i] = toBf16(v[i]);
        return new Scores(v, scores.heads(), scores.tokens(), BF16);
    }

    /** Name in policy parameters and on the command line: {@code float32}, {@code bf16}. */
    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
}
