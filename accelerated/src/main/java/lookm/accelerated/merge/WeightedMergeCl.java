package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.MergeSpec;

/** OpenCL twin of {@code lookm.reference.merge.WeightedMerge} (weighted_merge.cl): k'_r = [k_r + Σ_{s→r} m_s·k_s] / (1 + n_r). */
public final class WeightedMergeCl extends MatchMergeCl {
    private final MergeSpec.Weighted spec;

    public WeightedMergeCl(ClContext cl, MergeSpec.Weighted spec) {
        super(cl);
        this.spec = spec;
    }

    @Override void assign(DeviceLayer layer, CosineMatchCl.Matches matches, ClBuffer target, ClBuffer weight) {
        try (ClBuffer keep = MeanSimilarityFilterCl.keep(cl, layer, matches, spec.meanSimilarityFilter());      // (3)
             ClKernel weighted = cl.program("merge/weighted_merge", "").kernel("assign_weighted")) {               // (4) weight m_s
            weighted.arg(matches.index()).arg(matches.similarity()).arg(keep).arg(layer.evictedStride).arg(layer.evictedCounts)
                    .arg(target).arg(weight).launch(new long[] {layer.evictedStride, layer.heads}, null);
            cl.finish();
        }
    }

    @Override float pivotShare() { return 0f; }
}
