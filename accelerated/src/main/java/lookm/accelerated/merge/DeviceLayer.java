package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * One layer on the device for the merges: K and V (H, T, D), and per head the kept and evicted positions, each
 * padded to a stride (a multiple of the tiling) with their counts. Closing it releases every buffer.
 */
final class DeviceLayer implements AutoCloseable {
    final int heads, tokens, dim, keptStride, evictedStride;
    final int[][] kept, evicted;
    final ClBuffer keys, values, keptPositions, evictedPositions, keptCounts, evictedCounts;

    private DeviceLayer(ClContext cl, KvBlock block, Selection selection) {
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
        ClBuffer[] made = new ClBuffer[6];
        try {
            made[0] = cl.upload(block.keys());
            made[1] = cl.upload(block.values());
            made[2] = cl.upload(padded(kept, keptStride));
            made[3] = cl.upload(padded(evicted, evictedStride));
            made[4] = cl.upload(counts(kept));
            made[5] = cl.upload(counts(evicted));
        } catch (RuntimeException e) {
            for (ClBuffer b : made) if (b != null) b.close();
            throw e;
        }
        keys = made[0];
        values = made[1];
        keptPositions = made[2];
        evictedPositions = made[3];
        keptCounts = made[4];
        evictedCounts = made[5];
    }

    static DeviceLayer upload(ClContext cl, KvBlock block, Selection selection) { return new DeviceLayer(cl, block, selection); }

    /** Row h of an (H, stride) array read back, cut to {@code count}. */
    static int[] row(int[] all, int h, int stride, int count) { return java.util.Arrays.copyOfRange(all, h * stride, h * stride + count); }

    static float[] row(float[] all, int h, int stride, int count) { return java.util.Arrays.copyOfRange(all, h * stride, h * stride + count); }

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

    @Override public void close() {
        keys.close();
        values.close();
        keptPositions.close();
        evictedPositions.close();
        keptCounts.close();
        evictedCounts.close();
    }
}
