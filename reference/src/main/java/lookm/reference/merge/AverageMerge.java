package lookm.reference.merge;

import java.util.Arrays;
import lookm.spec.policy.AveragePairing;
import lookm.spec.policy.MergeSpec;

/**
 * Average merge (paper Eq. 10; SPEC.md §4.4): k'_r = [k_r + Σ_{s→r} k_s] / (1 + n_r) over the filtered slots.
 * RELEASED_MISPAIRED reproduces the released code: target t(f_q) receives the row of e_q, not of e_{f_q}.
 */
public final class AverageMerge extends MatchMerge {
    private final MergeSpec.Average spec;

    public AverageMerge(MergeSpec.Average spec) { this.spec = spec; }

    @Override protected Assignment[] assign(CosineMatch.Match[] matches) {
        boolean[] keep = slotFilter(matches, spec.meanSimilarityFilter());                    // (3)
        Assignment[] out = new Assignment[matches.length];
        for (int h = 0; h < matches.length; h++)                                             // (4) pairing
            out[h] = spec.pairing() == AveragePairing.CORRECT ? filteredMatch(matches[h], keep, s -> 1f) : misPaired(matches[h], keep);
        return out;
    }

    /** The released quirk: the q-th filtered slot's target receives the q-th evicted row (filtered or not). */
    private static Assignment misPaired(CosineMatch.Match match, boolean[] keep) {
        int[] target = new int[match.index().length];
        float[] weight = new float[target.length];
        Arrays.fill(target, -1);
        int q = 0;
        for (int s = 0; s < target.length; s++)
            if (keep[s] && match.index()[s] >= 0) {
                target[q] = match.index()[s];
                weight[q++] = 1f;
            }
        return new Assignment(target, weight);
    }

    @Override protected double pivotShare() { return 0; }
}
