package lookm.spec.tensor;

/** Argument checks shared by the spec types: messages name the parameter, the shape and the bad element. */
public final class Checks {
    private Checks() {}

    /** Number of elements of a (a, b, c) shape; rejects non-positive dimensions and int overflow. */
    public static int volume(String what, int a, int b, int c) {
        if (a <= 0 || b <= 0 || c <= 0)
            throw new IllegalArgumentException(what + ": every dimension must be >= 1, got (" + a + ", " + b + ", " + c + ")");
        long n = (long) a * b * c;
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(what + ": shape (" + a + ", " + b + ", " + c + ") has " + n + " elements, more than a Java array holds");
        return (int) n;
    }

    public static void length(String what, float[] data, int expected, String shape) {
        if (data == null) throw new IllegalArgumentException(what + " must not be null");
        if (data.length != expected)
            throw new IllegalArgumentException(what + ": expected " + expected + " floats for " + shape + ", got " + data.length);
    }

    /** The exponent field of a float32: all ones exactly for NaN and ±Inf (IEEE 754). */
    static final int FLOAT_EXPONENT = 0x7f800000;

    /** Rejects NaN and ±Inf, naming (head, token, dim) of the first bad element of an (H, T, D) array. */
    public static void finite(String what, float[] data, int tokens, int dim) {
        int i = firstNonFinite(data, 0, data.length);
        if (i < 0) return;
        int head = i / (tokens * dim), rest = i % (tokens * dim);
        throw new IllegalArgumentException(what + " has a non-finite value " + data[i] + " at head " + head + ", token " + rest / dim
                + (dim > 1 ? ", dim " + rest % dim : ""));
    }

    /**
     * Index (relative to {@code offset}) of the first NaN or ±Inf in data[offset, offset + n), or -1 when all are finite.
     * Shared by every finiteness check (spec's records, the trace reader).
     */
    public static int firstNonFinite(float[] data, int offset, int n) {
        // (1) one branch-free pass (vectorized by the JIT): whether any element's exponent field is all ones
        int nonFinite = 0;
        for (int i = offset; i < offset + n; i++) nonFinite |= (Float.floatToRawIntBits(data[i]) & FLOAT_EXPONENT) == FLOAT_EXPONENT ? 1 : 0;
        if (nonFinite == 0) return -1;
        // (2) only then: find the first one
        for (int i = 0; i < n; i++) if (!Float.isFinite(data[offset + i])) return i;
        return -1;
    }
}
