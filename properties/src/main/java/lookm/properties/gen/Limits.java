package lookm.properties.gen;

import java.util.List;

/**
 * Upper bounds of generated shapes. Small on purpose: invariants fail on small caches as readily as on large
 * ones, small cases shrink to readable scripts, and OpenCL launches cost the same for 10 or 1000 tokens.
 *
 * @param maxKvHeads  H at most
 * @param maxGroup    G = Hq / H at most
 * @param maxTokens   T at most
 * @param headDims    the head dims drawn from, the first being the one shrinking reaches (odd sizes on purpose)
 */
public record Limits(int maxKvHeads, int maxGroup, int maxTokens, List<Integer> headDims) {
    /** Head dims: 1 (degenerate cosine), small odd and even sizes, and 80 (an odd multiple of 16, as in real models). */
    public static final List<Integer> HEAD_DIMS = List.of(1, 2, 3, 4, 5, 8, 16, 80);
    /** Reference backend runs: up to 3 KV heads, G up to 2, 48 tokens. */
    public static final Limits DEFAULT = new Limits(3, 2, 48, HEAD_DIMS);
    /** OpenCL runs (kernel launch overhead on PoCL dominates): up to 2 KV heads and 24 tokens. */
    public static final Limits OPENCL = new Limits(2, 2, 24, HEAD_DIMS);

    public Limits {
        if (maxKvHeads < 1 || maxGroup < 1 || maxTokens < 1 || headDims.isEmpty())
            throw new IllegalArgumentException("limits must be >= 1 and head dims non-empty, got " + maxKvHeads + ", " + maxGroup + ", " + maxTokens);
        headDims = List.copyOf(headDims);
    }
}
