package lookm.accelerated.cl;

import lookm.spec.tensor.KvBlock;

/**
 * One layer's keys and values on the device, each uploaded at most once, when a stage first needs it, and shared by
 * the stages of one compression (the score stage reads K; the merges read K and V; a gather reads a tensor on the
 * device only if it is already there). Owned by its {@link ClContext}, which holds at most one.
 *
 * <p>Ownership rule: {@link ClContext#resident(KvBlock)} uploads {@code block}'s arrays the first time a stage asks for
 * that block (the same {@code KvBlock} instance) and returns the same buffers to later stages; the last stage (the
 * merge) calls {@link ClContext#release(KvBlock)}, and a different block, or closing the context, also releases it.
 * The caller must not modify the block's arrays between its score and merge stages (the selection computed from the
 * scores is bound to that data anyway); a block passed again after its merge is uploaded again, so reusing or
 * refilling arrays between compressions is safe.
 */
public final class ResidentLayer implements AutoCloseable {
    private final ClContext cl;
    private final KvBlock block;
    private ClBuffer keys, values;

    ResidentLayer(ClContext cl, KvBlock block) {
        this.cl = cl;
        this.block = block;
    }

    boolean holds(KvBlock b) { return block == b; }

    /** (H, T, D) keys, uploaded on first use. Not to be modified by kernels. */
    public ClBuffer keys() {
        if (keys == null) keys = cl.uploadRecycled(block.keys());
        return keys;
    }

    /** (H, T, D) values, uploaded on first use. Not to be modified by kernels. */
    public ClBuffer values() {
        if (values == null) values = cl.uploadRecycled(block.values());
        return values;
    }

    /** Whether the values are already on the device (a gather reads them there; otherwise on the host, no upload). */
    public boolean hasValues() { return values != null; }

    /** Whether the keys are already on the device. */
    public boolean hasKeys() { return keys != null; }

    /** Hands the buffers back to the context, which reuses them for the next layer of the same size. */
    @Override public void close() {
        if (keys != null) cl.recycle(keys);
        if (values != null) cl.recycle(values);
        keys = values = null;
    }
}
