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
        boolean[] keep = slotFilter(matches, spec.meanSimilarityFilter());    // (3)
        Assignment[] out = new Assignment[matches.length];
        for (int h = 0; h < matches.length; h++) {
            int[] match = matches[h].index(), target = new int[match.length];
            float[] weight = new float[match.length];
            Arrays.fill(target, -1);
            int q = 0;
            for (int s = 0; s < match.length; s++) {                          // (4) pairing
                if (!keep[s] || match[s] < 0) continue;
                int source = spec.pairing() == AveragePairing.CORRECT ? s : q++;   // released: the q-th evicted row
                target[source] = match[s];
                weight[source] = 1f;
            }
            out[h] = new Assignment(target, weight);
        }
        return out;
    }

    @Override protected double pivotShare() { return 0; }
}
