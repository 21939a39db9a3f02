package lookm.spec.policy;

/**
 * How evicted tokens are folded into kept ones. Keys are matched by cosine similarity (each evicted key to
 * its most similar kept key of the same head, ties to the lowest kept position); <b>both keys and values</b>
 * are merged, values reusing the key match, as in the paper and the released code. Formulas: SPEC.md §4.
 */
public sealed interface MergeSpec {
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

    /**
     * Value-only merge, kvpress {@code MergingPress} (merge_fraction 1; after ToMe, arXiv 2210.09461, and D2O,
     * arXiv 2406.13035): each evicted token e goes to its most key-cosine-similar kept token τ(e) (ties to the lowest
     * kept index) with weight w_e = max(σ_e, 0)·‖v_e‖ / (‖v_e‖ + ‖v_τ‖ + ε) if σ_e ≥ {@code similarityThreshold},
     * and v'_s = (v_s + Σ_{τ(e)=s} w_e·v_e) / (1 + Σ w_e) where that sum is > 0. <b>Keys are never changed.</b>
     *
     * @param similarityThreshold minimum match cosine for a merge, in [0, 1] (kvpress default 0)
     */
    record ValueMerge(double similarityThreshold) implements MergeSpec {
        /** ε of the weight's denominator and of the key-norm clamp (kvpress {@code _EPS}). */
        public static final double EPSILON = 1e-6;

        public ValueMerge {
            if (!(similarityThreshold >= 0 && similarityThreshold <= 1))
                throw new IllegalArgumentException("ValueMerge.similarityThreshold must be in [0, 1], was " + similarityThreshold);
        }
    }
}
