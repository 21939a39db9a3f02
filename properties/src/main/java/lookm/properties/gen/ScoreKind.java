package lookm.properties.gen;

/**
 * How the recorded accumulated attention (column sums per query head, >= 0) is drawn. Values are multiples of
 * powers of two so that sums over a GQA group are exact and ties survive aggregation.
 */
public enum ScoreKind {
    /** Independent values on a fine grid in [0, {@value #RANDOM_MAX}]. */
    RANDOM,
    /** Mostly near zero, with one to {@value #MAX_HEAVY_HITTERS} heavy hitters per query head. */
    PEAKED,
    /** Few distinct values ({@value #TIE_LEVELS} levels): many exact ties, so the tie rule decides. */
    MANY_TIES,
    /** One value for every position of a query head. */
    ALL_EQUAL,
    /** Subnormal and near-subnormal float32 magnitudes (denormal handling on devices). */
    TINY,
    /**
     * Large magnitudes, up to {@value #HUGE_MAX} per query head: float32 rounding of the released text prior's
     * score − Λ creates new ties, and some image scores reach Λ = 65516 or more, which the released code keeps too
     * (SPEC.md §3.3: |kept| = R + max(P_h, N); see README, Findings).
     */
    HUGE;

    public static final int RANDOM_MAX = 16;
    public static final int MAX_HEAVY_HITTERS = 3;
    public static final int TIE_LEVELS = 4;
    public static final int HUGE_MAX = 1 << 17;
    /** TINY draws multiples of Float.MIN_VALUE (2^-149, subnormal) or of this normal unit, half and half. */
    public static final float TINY_NORMAL_UNIT = 0x1.0p-120f;
    private static final int FINE_BITS = 12;
    private static final int TINY_STEPS = 1 << 10;
    private static final int HUGE_FRACTION_BITS = 4;
    /** Smallest HUGE value. */
    private static final long HUGE_MIN = 1024;
    /** PEAKED background: multiples of 2^-12 up to this many. */
    private static final int PEAKED_FLOOR_STEPS = 4;

    /** Column sums for {@code queryHeads} query heads, shape (Hq, T). */
    public Draw<float[]> draw(int queryHeads, int tokens) {
        return s -> {
            float[] out = new float[queryHeads * tokens];
            for (int q = 0; q < queryHeads; q++) fill(s, out, q * tokens, tokens);
            return out;
        };
    }

    private void fill(Source s, float[] out, int from, int tokens) {
        switch (this) {
            case RANDOM -> { for (int t = 0; t < tokens; t++) out[from + t] = s.unsignedGrid(RANDOM_MAX, FINE_BITS); }
            case PEAKED -> {
                for (int t = 0; t < tokens; t++) out[from + t] = (float) Math.scalb((double) s.between(0, PEAKED_FLOOR_STEPS, 0), -FINE_BITS);
                int heavy = s.intBetween(1, MAX_HEAVY_HITTERS);
                for (int i = 0; i < heavy; i++) out[from + s.intBetween(0, tokens - 1)] = (float) s.between(RANDOM_MAX, RANDOM_MAX * 64, RANDOM_MAX);
            }
            case MANY_TIES -> { for (int t = 0; t < tokens; t++) out[from + t] = s.intBetween(0, TIE_LEVELS - 1) / (float) TIE_LEVELS; }
            case ALL_EQUAL -> java.util.Arrays.fill(out, from, from + tokens, s.unsignedGrid(RANDOM_MAX, 2));
            case TINY -> {
                for (int t = 0; t < tokens; t++)
                    out[from + t] = s.between(0, TINY_STEPS, 0) * (s.percent(50) ? Float.MIN_VALUE : TINY_NORMAL_UNIT);
            }
            case HUGE -> {
                for (int t = 0; t < tokens; t++)
                    out[from + t] = (float) Math.scalb((double) s.between(HUGE_MIN << HUGE_FRACTION_BITS, (long) HUGE_MAX << HUGE_FRACTION_BITS,
                            HUGE_MIN << HUGE_FRACTION_BITS), -HUGE_FRACTION_BITS);
            }
        }
    }
}
