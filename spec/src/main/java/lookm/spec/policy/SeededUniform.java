package lookm.spec.policy;

/**
 * The random policy's scores, defined so that every backend draws the same numbers: a SplitMix64 hash of
 * (seed, head, token) mapped to a float in [0, 1) with 24 random bits.
 */
public final class SeededUniform {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final int FLOAT_BITS = 24;

    private SeededUniform() {}

    /** u(seed, h, t) = mix(seed + (h·2^32 + t + 1)·γ) >>> 40, scaled by 2^-24. */
    public static float at(long seed, int head, int token) {
        long z = seed + (((long) head << 32) + token + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> (Long.SIZE - FLOAT_BITS)) * 0x1.0p-24f;
    }
}
