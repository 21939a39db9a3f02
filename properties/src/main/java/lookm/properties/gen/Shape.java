package lookm.properties.gen;

/**
 * The dimensions of a generated cache: H KV heads, G query heads per KV head (grouped-query attention,
 * Hq = G·H), T tokens, D head dim. Shape order (H, T, D) as everywhere.
 */
public record Shape(int kvHeads, int groupSize, int tokens, int headDim) {
    public Shape {
        if (kvHeads < 1 || groupSize < 1 || tokens < 1 || headDim < 1)
            throw new IllegalArgumentException("every dimension must be >= 1, got " + this);
    }

    public int queryHeads() { return kvHeads * groupSize; }

    @Override public String toString() {
        return "(H=" + kvHeads + (groupSize > 1 ? ", Hq=" + queryHeads() : "") + ", T=" + tokens + ", D=" + headDim + ")";
    }
}
