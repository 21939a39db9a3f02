package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ResidentLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * One layer on the device for the merges: K and V (H, T, D), the context's resident copy (uploaded at most once per
 * compression, see {@link ResidentLayer}), and per head the kept and evicted positions, each padded to a stride (a
 * multiple of the tiling) with their counts. Closing it releases the position buffers and the resident K and V (the
 * merge is the last stage that reads them).
 */
final class DeviceLayer implements AutoCloseable {
    final int heads, tokens, dim, keptStride, evictedStride;
    final int[][] kept, evicted;
    final ClBuffer keptPositions, evictedPositions, keptCounts, evictedCounts;
    final ResidentLayer resident;
    private final ClContext cl;
    private final KvBlock block;

    private DeviceLayer(ClContext cl, KvBlock block, Selection selection) {
        this.cl = cl;
        this.block = block;
        heads = block.heads();
        tokens = block.tokens();
        dim = block.headDim();
        if (selection.heads() != heads || selection.tokens() != tokens)
            throw new IllegalArgumentException("selection covers (H=" + selection.heads() + ", T=" + selection.tokens()
                    + "), the block is (H=" + heads + ", T=" + tokens + ")");
        kept = new int[heads][];
        evicted = new int[heads][];
        int maxKept = 0, maxEvicted = 0;
        for (int h = 0; h < heads; h++) {
            kept[h] = selection.kept(h);
            evicted[h] = selection.evicted(h);
            maxKept = Math.max(maxKept, kept[h].length);
            maxEvicted = Math.max(maxEvicted, evicted[h].length);
        }
        keptStride = Math.max(cl.tiling().padded(maxKept), cl.tiling().padding());
        evictedStride = Math.max(cl.tiling().padded(maxEvicted), cl.tiling().padding());
        ClBuffer[] made = new ClBuffer[4];
        try {
            resident = cl.resident(block);
            made[0] = cl.upload(padded(kept, keptStride));
            made[1] = cl.upload(padded(evicted, evictedStride));
            made[2] = cl.upload(counts(kept));
            made[3] = cl.upload(counts(evicted));
        } catch (RuntimeException e) {
            for (ClBuffer b : made) if (b != null) b.close();
            cl.release(block);
            throw e;
        }
        keptPositions = made[0];
        evictedPositions = made[1];
        keptCounts = made[2];
        evictedCounts = made[3];
    }

    static DeviceLayer upload(ClContext cl, KvBlock block, Selection selection) { return new DeviceLayer(cl, block, selection); }

    private static int[] padded(int[][] rows, int stride) {
        int[] out = new int[rows.length * stride];
        for (int h = 0; h < rows.length; h++) System.arraycopy(rows[h], 0, out, h * stride, rows[h].length);
        return out;
    }

    private static int[] counts(int[][] rows) {
        int[] out = new int[rows.length];
        for (int h = 0; h < rows.length; h++) out[h] = rows[h].length;
        return out;
    }

    /** Row h of an (H, stride) array read back, cut to {@code count}. */
    static int[] row(int[] all, int h, int stride, int count) { return java.util.Arrays.copyOfRange(all, h * stride, h * stride + count); }

    static float[] row(float[] all, int h, int stride, int count) { return java.util.Arrays.copyOfRange(all, h * stride, h * stride + count); }

    /** (H, T, D) keys on the device (uploaded on first use, once per compression). */
    ClBuffer keys() { return resident.keys(); }

    /** (H, T, D) values on the device (uploaded on first use, once per compression). */
    ClBuffer values() { return resident.values(); }

    /** Kept rows of head h, (c_h, D), read straight from an (H, keptStride, D) device buffer. */
    float[] keptRows(ClBuffer rows, int h) { return rows.readFloats((long) h * keptStride * dim, kept[h].length * dim); }

    @Override public void close() {
        cl.release(block);
        keptPositions.close();
        evictedPositions.close();
        keptCounts.close();
        evictedCounts.close();
    }
}
