package lookm.reference.merge;

/** Pivot merge (paper Eq. 11; SPEC.md §4.3): k'_r = [k_r + Σ_{s→r} (k_s + k_r)/2] / (1 + n_r), every evicted token. */
public final class PivotMerge extends MatchMerge {
    /** Each merged token contributes (k_s + k_r)/2: weight 1/2 on k_s and pivot share 1/2 on k_r. */
    private static final float HALF = 0.5f;

    @Override protected Assignment[] assign(CosineMatch.Match[] matches) {
        Assignment[] out = new Assignment[matches.length];
        for (int h = 0; h < matches.length; h++) out[h] = everyMatch(matches[h], HALF);   // (3) no filter (4) s → match(s)
        return out;
    }

    @Override protected double pivotShare() { return HALF; }
}
