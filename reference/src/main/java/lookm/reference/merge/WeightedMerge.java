package lookm.reference.merge;

import lookm.spec.policy.MergeSpec;

/** Weighted merge (paper Eq. 12; SPEC.md §4.5): k'_r = [k_r + Σ_{s→r} m_s·k_s] / (1 + n_r), m_s the match cosine. */
public final class WeightedMerge extends MatchMerge {
    private final MergeSpec.Weighted spec;

    public WeightedMerge(MergeSpec.Weighted spec) { this.spec = spec; }

    @Override protected Assignment[] assign(CosineMatch.Match[] matches) {
        boolean[] keep = slotFilter(matches, spec.meanSimilarityFilter());                    // (3)
        Assignment[] out = new Assignment[matches.length];
        for (int h = 0; h < matches.length; h++) {
            double[] m = matches[h].similarity();
            out[h] = filteredMatch(matches[h], keep, s -> (float) m[s]);                      // (4) s → match(s), weight m_s in float32
        }
        return out;
    }

    @Override protected double pivotShare() { return 0; }
}
