package lookm.traces.schema;

/**
 * The semantic check of accumulated attention: per query head, the column sums of a causal softmax over T rows
 * add up to T, because every row is a probability distribution:
 * <pre>
 * (1) Σ_j a[h, j] = Σ_j Σ_{i ≥ j} P_h[i, j] = Σ_i Σ_{j ≤ i} P_h[i, j] = Σ_i 1 = T
 * </pre>
 * A recording is not exact arithmetic, so {@link #tolerance} bounds the deviation a correct recorder can produce
 * (Higham's γ bounds, first order):
 * <pre>
 * (2) one row of probabilities, computed in float32 (HF eager: softmax in float32), then rounded to the model dtype
 *     (u = unit roundoff, η = subnormal spacing): |Σ_j P̂[i, j] − 1| ≤ u + T·η/2 + (T + 2)·u32
 * (3) the recorder accumulates the T rows of each column in float32: Σ_j |error of a[j]| ≤ (T − 1)·u32·Σ_j a[j] ≈ (T − 1)·u32·T
 * (4) storing each a[j] as float32: ≤ u32·T in total
 * (5) tolerance = T·(u + T·η/2 + (T + 2)·u32) + T·(T − 1)·u32 + T·u32 = T·(u + T·η/2 + (2T + 2)·u32)
 * </pre>
 * The dtype is the trace's cache dtype, which the recorder also uses for the model. An exact generator (the
 * synthetic one, in double) is far inside it; a zeroed range, a swapped block or a flipped exponent bit is not.
 */
public final class AttentionSums {
    private AttentionSums() {}

    private static final double U32 = CacheDtype.FLOAT32.unitRoundoff();
    /** Softmax in float32 adds (T + 2)·u32 per row: T additions, one exp and one division per element. */
    private static final int SOFTMAX_EXTRA_OPS = 2;

    /** (5): the largest |Σ_j a[h, j] − T| a correct recording in {@code dtype} can show. */
    public static double tolerance(CacheDtype dtype, int tokens) {
        double t = tokens;
        return t * (dtype.unitRoundoff() + t * dtype.smallestSubnormal() / 2 + (2 * t + SOFTMAX_EXTRA_OPS) * U32);
    }

    /**
     * Index of the first query head whose sum violates (1) within (5), or -1.
     *
     * @param values (Hq, T) accumulated attention
     */
    public static int firstViolation(float[] values, int queryHeads, int tokens, CacheDtype dtype) {
        double tol = tolerance(dtype, tokens);
        for (int h = 0; h < queryHeads; h++) {
            if (Math.abs(sum(values, h, tokens) - tokens) > tol) return h;
        }
        return -1;
    }

    /**
     * Refuses accumulated attention that breaks (1) beyond (5), naming the file, layer and head.
     *
     * @param values (Hq, T) accumulated attention of layer {@code layer}
     */
    public static void require(java.nio.file.Path file, int layer, float[] values, int queryHeads, int tokens, CacheDtype dtype) {
        int head = firstViolation(values, queryHeads, tokens, dtype);
        if (head >= 0)
            throw TraceFormatException.in(file, "layer " + layer + ", query_head " + head + ": accumulated attention sums to "
                    + sum(values, head, tokens) + ", expected T=" + tokens + " within " + tolerance(dtype, tokens)
                    + " (each of the T causal softmax rows sums to 1; tolerance derived for " + dtype.label() + ", FORMAT.md)");
    }

    /** Σ_j a[h, j] in double. */
    public static double sum(float[] values, int head, int tokens) {
        double s = 0;
        for (int j = 0; j < tokens; j++) s += values[head * tokens + j];
        return s;
    }
}
