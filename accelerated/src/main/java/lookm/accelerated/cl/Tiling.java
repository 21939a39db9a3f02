package lookm.accelerated.cl;

/**
 * Register-tile shape of the matrix-like kernels (scores, cosine match), chosen per device kind: a work-item keeps
 * {@code lanes} rows in vector lanes and walks the other operand {@code chunk} rows at a time.
 *
 * @param lanes vector width (2, 4, 8 or 16): OpenCL type {@code float<lanes>}
 * @param chunk rows of the other operand per inner block (1 to 16)
 */
public record Tiling(int lanes, int chunk) {
    /** CPU (PoCL): one AVX-512 register per tile row, 16 accumulators. */
    public static final Tiling CPU = new Tiling(16, 16);
    /** GPU: small per-work-item tiles, many work-items. */
    public static final Tiling GPU = new Tiling(4, 8);

    private static final int MAX_CHUNK = 16;

    public Tiling {
        if (lanes != 2 && lanes != 4 && lanes != 8 && lanes != 16) throw new IllegalArgumentException("lanes must be 2, 4, 8 or 16, was " + lanes);
        if (chunk < 1 || chunk > MAX_CHUNK || Integer.bitCount(chunk) != 1)
            throw new IllegalArgumentException("chunk must be a power of two in [1, " + MAX_CHUNK + "], was " + chunk);
    }

    public static Tiling forDevice(DeviceInfo device) { return device.isCpu() ? CPU : GPU; }

    /** Rows are padded to a multiple of this: max(lanes, chunk). */
    public int padding() { return Math.max(lanes, chunk); }

    /** {@code n} rounded up to a multiple of {@link #padding()}. */
    public int padded(int n) { return (n + padding() - 1) / padding() * padding(); }

    /** Build options for a kernel file specialised on the head dimension D. */
    public String options(int headDim) { return "-DLANES=" + lanes + " -DCHUNK=" + chunk + " -DHEAD_DIM=" + headDim; }
}
