package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;

/**
 * OpenCL twin of {@code lookm.reference.merge.MeanSimilarityFilter}, step (3) (mean_similarity_filter.cl):
 * μ(s) = mean over heads of m_h(s), μ̄ = mean over all heads and slots, keep slot s iff μ(s) ≥ μ̄, one decision per
 * slot shared by all heads. Float32 with compensated sums, in a fixed order.
 */
final class MeanSimilarityFilterCl {
    /** Work-group size of keep_slots (a power of two). */
    private static final int GROUP = 64;

    private MeanSimilarityFilterCl() {}

    /** (slots) keep flags on the device, or all ones when {@code filter} is false. The caller closes the buffer. */
    static ClBuffer keep(ClContext cl, DeviceLayer layer, CosineMatchCl.Matches matches, boolean filter) {
        int slots = layer.evicted[0].length;
        if (!filter) {
            byte[] all = new byte[Math.max(layer.evictedStride, 1)];
            java.util.Arrays.fill(all, (byte) 1);
            return cl.upload(all);
        }
        for (int h = 1; h < layer.heads; h++)
            if (layer.evicted[h].length != slots)
                throw new IllegalArgumentException("mean-similarity filter needs the same evicted count in every head: head 0 has "
                        + slots + ", head " + h + " has " + layer.evicted[h].length);
        ClBuffer keep = cl.allocate(Math.max(layer.evictedStride, 1));
        if (slots == 0) return keep;
        int group = Integer.highestOneBit((int) Math.min(GROUP, cl.device().maxWorkGroupSize()));
        try (ClKernel k = cl.program("mean_similarity_filter", "").kernel("keep_slots")) {
            k.arg(matches.similarity()).arg(layer.heads).arg(slots).arg(layer.evictedStride).arg(keep).local((long) group * Float.BYTES)
                    .launch(new long[] {group}, new long[] {group});
        } catch (RuntimeException e) {
            keep.close();
            throw e;
        }
        return keep;
    }
}
