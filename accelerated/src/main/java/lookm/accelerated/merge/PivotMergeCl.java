package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;

/** OpenCL twin of {@code lookm.reference.merge.PivotMerge} (pivot_merge.cl): k'_r = [k_r + Σ_{s→r} (k_s + k_r)/2] / (1 + n_r). */
public final class PivotMergeCl extends MatchMergeCl {
    /** Each merged token contributes (k_s + k_r)/2: weight 1/2 on k_s and pivot share 1/2 on k_r. */
    private static final float HALF = 0.5f;

    public PivotMergeCl(ClContext cl) { super(cl); }

    @Override void assign(DeviceLayer layer, CosineMatchCl.Matches matches, ClBuffer target, ClBuffer weight) {
        try (ClKernel every = cl.program("merge/pivot_merge", "").kernel("assign_every_match")) {   // (3) no filter (4) s → match(s)
            every.arg(matches.index()).arg(layer.evictedStride).arg(layer.evictedCounts).arg(HALF).arg(target).arg(weight)
                    .launch(new long[] {layer.evictedStride, layer.heads}, null);
        }
    }

    @Override float pivotShare() { return HALF; }
}
