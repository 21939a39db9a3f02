package lookm.traces.schema;

/**
 * The decode part of one layer: post-RoPE keys and values of the S tokens generated after the prompt, at cache
 * positions T..T+S-1, shape (Hkv, S, D) float32 (float16 traces are widened). Their queries are the trace's probes
 * (the same positions). Validated: a record that exists has the shape it claims and only finite values.
 *
 * @param keys          (Hkv, S, D) row-major
 * @param values        (Hkv, S, D) row-major
 * @param kvHeads       Hkv
 * @param steps         S, generated tokens (>= 1)
 * @param headDim       D
 * @param firstPosition T, the cache position of the first generated token
 */
public record DecodeTokens(float[] keys, float[] values, int kvHeads, int steps, int headDim, int firstPosition) {
    public DecodeTokens {
        if (kvHeads < 1 || steps < 1 || headDim < 1)
            throw new IllegalArgumentException("DecodeTokens needs Hkv, S and D >= 1, was (" + kvHeads + ", " + steps + ", " + headDim + ")");
        if (firstPosition < 1) throw new IllegalArgumentException("DecodeTokens.firstPosition (T) must be >= 1, was " + firstPosition);
        long volume = (long) kvHeads * steps * headDim;
        String shape = "(Hkv=" + kvHeads + ", S=" + steps + ", D=" + headDim + ")";
        if (keys == null || keys.length != volume) throw new IllegalArgumentException("DecodeTokens.keys must hold " + shape + " = " + volume
                + " floats, has " + (keys == null ? "none" : keys.length));
        if (values == null || values.length != volume) throw new IllegalArgumentException("DecodeTokens.values must hold " + shape + " = "
                + volume + " floats, has " + (values == null ? "none" : values.length));
        for (int i = 0; i < keys.length; i++)
            if (!Float.isFinite(keys[i]) || !Float.isFinite(values[i]))
                throw new IllegalArgumentException("DecodeTokens: kv_head " + i / (steps * headDim) + ", token " + (firstPosition + i / headDim % steps)
                        + ": " + (Float.isFinite(keys[i]) ? "value " + values[i] : "key " + keys[i]) + " is not finite");
    }

    /** Index of the first element of (kv head h, generated token s) in {@link #keys()} and {@link #values()}. */
    public int offset(int head, int step) { return (head * steps + step) * headDim; }
}
