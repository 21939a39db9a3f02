package lookm.accelerated.merge;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.AveragePairing;
import lookm.spec.policy.MergeSpec;

/**
 * OpenCL twin of {@code lookm.reference.merge.AverageMerge} (average_merge.cl): k'_r = [k_r + Σ_{s→r} k_s] / (1 + n_r)
 * over the filtered slots; RELEASED_MISPAIRED: target t(f_q) receives the row of e_q.
 */
public final class AverageMergeCl extends MatchMergeCl {
    private static final int PAIRING_CORRECT = 0, PAIRING_RELEASED_MISPAIRED = 1;

    private final MergeSpec.Average spec;

    public AverageMergeCl(ClContext cl, MergeSpec.Average spec) {
        super(cl);
        this.spec = spec;
    }

    @Override void assign(DeviceLayer layer, CosineMatchCl.Matches matches, ClBuffer target, ClBuffer weight) {
        int pairing = spec.pairing() == AveragePairing.CORRECT ? PAIRING_CORRECT : PAIRING_RELEASED_MISPAIRED;
        try (ClBuffer keep = MeanSimilarityFilterCl.keep(cl, layer, matches, spec.meanSimilarityFilter());      // (3)
             ClKernel pairs = cl.program("merge/average_merge", "").kernel("assign_filtered_pairs")) {              // (4) pairing
            pairs.arg(matches.index()).arg(keep).arg(layer.evictedStride).arg(layer.evictedCounts).arg(pairing).arg(target).arg(weight)
                    .launch(new long[] {layer.heads}, null);
            cl.finish();
        }
    }

    @Override float pivotShare() { return 0f; }
}
