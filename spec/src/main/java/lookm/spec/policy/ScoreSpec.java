package lookm.spec.policy;

import lookm.spec.tensor.ScorePrecision;

/** How importance scores (H, T) are computed. Formal definitions: spec/SPEC.md §2. */
public sealed interface ScoreSpec {
    /** No scores (all zero): for selections that ignore scores (full cache, StreamingLLM, recent). */
    record None() implements ScoreSpec {}

    /**
     * H2O accumulated attention (paper §3.1): a[j] = Σ_i P[i, j] over all T prefill rows, per query head, summed
     * over each GQA group. {@code source}: recorded column sums, or recomputed from the prefill queries.
     * {@code precision}: the dtype the original runtime holds them in (SPEC.md §2.6; BF16 rounds them to bfloat16).
     */
    record AccumulatedAttention(ScoreSource source, ScorePrecision precision) implements ScoreSpec {
        public AccumulatedAttention {
            if (source == null) throw new IllegalArgumentException("score source must not be null");
            if (precision == null) throw new IllegalArgumentException("score precision must not be null");
        }

        /** float32 scores (the default). */
        public AccumulatedAttention(ScoreSource source) { this(source, ScorePrecision.FLOAT32); }
    }

    /**
     * SnapKV window attention (Li et al. 2024): s[j] = Σ over the last W prefill queries of P[i, j] for j < T − W,
     * then pooled over {@code kernel} neighbours (avg: zero padding, divided by kernel; max: in-range only).
     */
    record WindowAttention(Window window, Pooling pooling, int kernel) implements ScoreSpec {
        public WindowAttention {
            if (window == null || pooling == null) throw new IllegalArgumentException("window and pooling must not be null");
            if (kernel < 1 || kernel % 2 == 0) throw new IllegalArgumentException("pooling kernel must be odd and >= 1, was " + kernel);
        }
    }

    /** Seeded uniform scores in [0, 1): {@link SeededUniform#at(long, int, int)} for (head, token). */
    record Random(long seed) implements ScoreSpec {}

    /**
     * Hindsight oracle (an upper bound): the attention mass that the recorded decode probe queries put on each
     * prefill position, a*[j] = Σ_t softmax_j(q_t·k_j/√D over j < T), summed over each GQA group.
     */
    record HindsightOracle() implements ScoreSpec {}
}
