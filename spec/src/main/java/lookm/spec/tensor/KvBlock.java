package lookm.spec.tensor;

/**
 * Keys and values of one layer, shape (H, T, D) row-major float32, H = KV heads. Post-RoPE, as cached.
 * Arrays are not copied (records holding arrays compare by reference: use contentEquals in tests).
 */
public record KvBlock(float[] keys, float[] values, int heads, int tokens, int headDim, TokenLayout layout) {
    public KvBlock {
        String shape = "(H=" + heads + ", T=" + tokens + ", D=" + headDim + ")";
        int n = Checks.volume("KvBlock " + shape, heads, tokens, headDim);
        Checks.length("KvBlock.keys", keys, n, shape);
        Checks.length("KvBlock.values", values, n, shape);
        if (layout == null) throw new IllegalArgumentException("KvBlock.layout must not be null");
        if (layout.size() != tokens)
            throw new IllegalArgumentException("KvBlock.layout covers " + layout.size() + " tokens, the block has T=" + tokens);
        Checks.finite("KvBlock.keys", keys, tokens, headDim);
        Checks.finite("KvBlock.values", values, tokens, headDim);
    }

    /** Index of element (head, token, 0). */
    public int offset(int head, int token) { return (head * tokens + token) * headDim; }

    /** Floats per head, T·D. */
    public int headStride() { return tokens * headDim; }
}
