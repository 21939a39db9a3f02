package lookm.spec.policy;

import java.util.Set;
import lookm.spec.tensor.Observation.Part;

/** How importance scores (H, T) are computed. Formal definitions: spec/SPEC.md §2. */
public sealed interface ScoreSpec {
    /**
     * Whether every backend must produce bit-identical scores: the scores are a pure function of float32 inputs with
     * no float32 arithmetic order left to the backend (none, seeded random, recorded sums). Otherwise a device's
     * scores may differ from the reference's within {@code Tolerance.SCORE}.
     */
    default boolean bitIdenticalAcrossBackends() { return false; }

    /** The observation parts this score reads (every variant declares it; a trace reader may skip the others). */
    Set<Part> needs();

    /** No scores (all zero): for selections that ignore scores (full cache, StreamingLLM, recent). */
    record None() implements ScoreSpec {
        @Override public boolean bitIdenticalAcrossBackends() { return true; }

        @Override public Set<Part> needs() { return Set.of(); }
    }

    /**
     * H2O accumulated attention (paper §3.1): a[j] = Σ_i P[i, j] over all T prefill rows, per query head, summed
     * over each GQA group. {@code source}: recorded column sums, or recomputed from the prefill queries.
     */
    record AccumulatedAttention(ScoreSource source) implements ScoreSpec {
        public AccumulatedAttention {
            if (source == null) throw new IllegalArgumentException("score source must not be null");
        }

        @Override public boolean bitIdenticalAcrossBackends() { return source == ScoreSource.RECORDED; }

        @Override public Set<Part> needs() { return Set.of(source == ScoreSource.RECORDED ? Part.ACCUMULATED_ATTENTION : Part.PREFILL_QUERIES); }
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

        @Override public Set<Part> needs() { return Set.of(Part.PREFILL_QUERIES); }
    }

    /** Seeded uniform scores in [0, 1): {@link SeededUniform#at(long, int, int)} for (head, token). */
    record Random(long seed) implements ScoreSpec {
        @Override public boolean bitIdenticalAcrossBackends() { return true; }

        @Override public Set<Part> needs() { return Set.of(); }
    }

    /**
     * Hindsight oracle (an upper bound): the attention mass that the recorded decode probe queries put on each
     * prefill position, a*[j] = Σ_t softmax_j(q_t·k_j/√D over j < T), summed over each GQA group.
     */
    record HindsightOracle() implements ScoreSpec {
        @Override public Set<Part> needs() { return Set.of(Part.PROBE_QUERIES); }
    }
}
