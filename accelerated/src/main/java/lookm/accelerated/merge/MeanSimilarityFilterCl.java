package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;

/**
 * OpenCL twin of {@code lookm.reference.merge.MeanSimilarityFilter}, step (3) (mean_similarity_filter.cl):
 * μ(s) = mean of m_h(s) over the heads that have slot s, μ̄ = mean over all heads' slots, keep slot s iff μ(s) ≥ μ̄,
 * one decision per slot shared by all heads. Float32 with compensated sums, in a fixed order.
 */
final class MeanSimilarityFilterCl {
    /** Work-group size of keep_slots (a power of two). */
    private static final int GROUP = 64;

    private MeanSimilarityFilterCl() {}

    /** (slots) keep flags on the device, or all ones when {@code filter} is false. The caller closes the buffer. */
    static ClBuffer keep(ClContext cl, DeviceLayer layer, CosineMatchCl.Matches matches, boolean filter) {
        int slots = 0, entries = 0;
        int[] counts = new int[layer.heads];
        for (int h = 0; h < layer.heads; h++) {
            counts[h] = layer.evicted[h].length;
            slots = Math.max(slots, counts[h]);
            entries += counts[h];
        }
        if (!filter) {
            byte[] all = new byte[Math.max(layer.evictedStride, 1)];
            java.util.Arrays.fill(all, (byte) 1);
            return cl.upload(all);
        }
        ClBuffer keep = cl.allocate(Math.max(layer.evictedStride, 1));
        if (slots == 0) return keep;
        int group = Integer.highestOneBit((int) Math.min(GROUP, cl.device().maxWorkGroupSize()));
        try (ClBuffer headCounts = cl.upload(counts); ClKernel k = cl.program("merge/mean_similarity_filter", "").kernel("keep_slots")) {
            k.arg(matches.similarity()).arg(headCounts).arg(layer.heads).arg(slots).arg(entries).arg(layer.evictedStride).arg(keep)
                    .local((long) group * Float.BYTES)
                    .launch(new long[] {group}, new long[] {group});
        } catch (RuntimeException e) {
            keep.close();
            throw e;
        }
        return keep;
    }
}
