package lookm.reference.merge;

import java.util.Arrays;
import lookm.spec.policy.MergeSpec;

/** Weighted merge (paper Eq. 12; SPEC.md §4.5): k'_r = [k_r + Σ_{s→r} m_s·k_s] / (1 + n_r), m_s the match cosine. */
public final class WeightedMerge extends MatchMerge {
    private final MergeSpec.Weighted spec;

    public WeightedMerge(MergeSpec.Weighted spec) { this.spec = spec; }

    @Override protected Assignment[] assign(CosineMatch.Match[] matches) {
        boolean[] keep = slotFilter(matches, spec.meanSimilarityFilter());    // (3)
        Assignment[] out = new Assignment[matches.length];
        for (int h = 0; h < matches.length; h++) {
            int[] match = matches[h].index(), target = new int[match.length];
            float[] weight = new float[match.length];
            Arrays.fill(target, -1);
            for (int s = 0; s < match.length; s++) {                          // (4) s → match(s), weight m_s (float32)
                if (!keep[s] || match[s] < 0) continue;
                target[s] = match[s];
                weight[s] = (float) matches[h].similarity()[s];
            }
            out[h] = new Assignment(target, weight);
        }
        return out;
    }

    @Override protected double pivotShare() { return 0; }
}
