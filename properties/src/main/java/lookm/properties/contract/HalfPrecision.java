package lookm.properties.contract;

/**
 * IEEE 754 binary16 rounding (round to nearest, ties to even), written independently of any library so that it can
 * serve as the oracle of the float16 trace round trip. Computed in double, where every step below is exact.
 */
public final class HalfPrecision {
    /** Largest finite binary16 value. */
    public static final float MAX = 65504f;
    /** Smallest normal binary16 exponent, 2^-14; below it the spacing is the subnormal 2^-24. */
    private static final int MIN_NORMAL_EXPONENT = -14;
    private static final int MANTISSA_BITS = 10;
    /** Values of this magnitude or more round to infinity (halfway between MAX and 2^16). */
    private static final double OVERFLOW = 65520;

    private HalfPrecision() {}

    /** The binary16 value nearest to {@code x} (ties to even), as a float; ±Infinity beyond the range. */
    public static float round(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0f) return x;
        double v = x;
        if (Math.abs(v) >= OVERFLOW) return v > 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        int exponent = Math.max(Math.getExponent(x), MIN_NORMAL_EXPONENT);
        double quantum = Math.scalb(1.0, exponent - MANTISSA_BITS);           // spacing of binary16 values near x
        double rounded = Math.rint(v / quantum) * quantum;                    // rint: ties to even
        return rounded == 0 ? Math.copySign(0f, x) : (float) rounded;
    }

    /** Every element rounded. */
    public static float[] round(float[] xs) {
        float[] out = new float[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = round(xs[i]);
        return out;
    }
}
