package lookm.spec.policy;

/**
 * How evicted tokens are folded into kept ones. Keys are matched by cosine similarity (each evicted key to
 * its most similar kept key of the same head, ties to the lowest kept position); <b>both keys and values</b>
 * are merged, values reusing the key match, as in the paper and the released code. Formulas: SPEC.md §4.
 */
public sealed interface MergeSpec {
    /** Whether the merge uses the released mean-similarity filter (SPEC.md §4.2); records with the component override it. */
    default boolean meanSimilarityFilter() { return false; }

    /** Evicted tokens are dropped; kept rows are copied bit for bit. */
    record Drop() implements MergeSpec {}

    /** Pivot merge (paper Eq. 11): k'_r = [k_r + Σ_{s→r} (k_s + k_r)/2] / (1 + n_r). */
    record Pivot() implements MergeSpec {}

    /**
     * Average merge (paper Eq. 10): k'_r = [k_r + Σ_{s→r} k_s] / (1 + n_r), over the filtered evicted tokens
     * if {@code meanSimilarityFilter}, paired as {@code pairing} says.
     */
    record Average(AveragePairing pairing, boolean meanSimilarityFilter) implements MergeSpec {
        public Average {
            if (pairing == null) throw new IllegalArgumentException("pairing must not be null");
        }
    }

    /** Weighted merge (paper Eq. 12): k'_r = [k_r + Σ_{s→r} m_s·k_s] / (1 + n_r), m_s the match cosine. */
    record Weighted(boolean meanSimilarityFilter) implements MergeSpec {}
}
