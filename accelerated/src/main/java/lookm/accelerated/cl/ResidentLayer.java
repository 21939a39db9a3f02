package lookm.accelerated.cl;

import lookm.spec.tensor.KvBlock;

/**
 * One layer's keys and values on the device, uploaded once and shared by the stages of one compression (the score
 * stage reads K; the merge reads K and V). Owned by its {@link ClContext}, which holds at most one.
 *
 * <p>Ownership rule: {@link ClContext#resident(KvBlock)} uploads {@code block}'s arrays the first time a stage asks for
 * that block (the same {@code KvBlock} instance) and returns the same buffers to later stages; the last stage (the
 * merge) calls {@link ClContext#release(KvBlock)}, and a different block, or closing the context, also releases it.
 * The caller must not modify the block's arrays between its score and merge stages (the selection computed from the
 * scores is bound to that data anyway); a block passed again after its merge is uploaded again, so reusing or
 * refilling arrays between compressions is safe.
 */
public final class ResidentLayer implements AutoCloseable {
    private final KvBlock block;
    private final ClBuffer keys, values;

    ResidentLayer(ClContext cl, KvBlock block) {
        this.block = block;
        ClBuffer k = cl.upload(block.keys());
        try {
            this.values = cl.upload(block.values());
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
        this.keys = k;
    }

    boolean holds(KvBlock b) { return block == b; }

    /** (H, T, D) keys. Not to be modified by kernels. */
    public ClBuffer keys() { return keys; }

    /** (H, T, D) values. Not to be modified by kernels. */
    public ClBuffer values() { return values; }

    @Override public void close() {
        keys.close();
        values.close();
    }
}
