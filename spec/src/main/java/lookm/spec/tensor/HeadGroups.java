package lookm.spec.tensor;

/**
 * Grouped-query attention: G = Hq / Hkv query heads share one KV head. Query head q reads KV head q / G
 * (the Hugging Face {@code repeat_kv} convention). Rule for per-KV-head scores: the <b>sum</b> over the
 * group's query heads (each query head's column sums measure attention mass; summing keeps the mass of
 * the whole group, and for G = 1 it is the identity, as in the original MHA-only code).
 */
public record HeadGroups(int queryHeads, int kvHeads) {
    public HeadGroups {
        if (queryHeads <= 0 || kvHeads <= 0 || queryHeads % kvHeads != 0)
            throw new IllegalArgumentException("query heads (" + queryHeads + ") must be a positive multiple of KV heads (" + kvHeads + ")");
    }

    /** The grouping of {@code queryHeads} over the block's KV heads; the message names {@code who} asks. */
    public static HeadGroups of(int queryHeads, KvBlock block, String who) {
        if (queryHeads % block.heads() != 0)
            throw new IllegalArgumentException(who + ": " + queryHeads + " query heads is not a multiple of the block's " + block.heads() + " KV heads");
        return new HeadGroups(queryHeads, block.heads());
    }

    public int groupSize() { return queryHeads / kvHeads; }

    public int kvHeadOf(int queryHead) { return queryHead / groupSize(); }

    /** Sums per-query-head rows (Hq, T) into per-KV-head rows (Hkv, T), accumulating in double. */
    public float[] aggregate(float[] perQueryHead, int tokens) {
        Checks.length("per-query-head scores", perQueryHead, queryHeads * tokens, "(Hq=" + queryHeads + ", T=" + tokens + ")");
        float[] out = new float[kvHeads * tokens];
        int g = groupSize();
        for (int kv = 0; kv < kvHeads; kv++)
            for (int t = 0; t < tokens; t++) {
                double sum = 0;
                for (int q = kv * g; q < (kv + 1) * g; q++) sum += perQueryHead[q * tokens + t];
                out[kv * tokens + t] = (float) sum;
            }
        return out;
    }
}
