package lookm.spec.policy;

import java.util.List;
import java.util.Set;
import lookm.spec.plugin.Plugins;
import lookm.spec.tensor.Observation.Part;

/**
 * How importance scores (H, T) are computed. Formal definitions: spec/SPEC.md §2. Each record describes its own
 * expression keyword and parameters in its {@code KIND} (SPEC.md §8 lists how to add one).
 */
public sealed interface ScoreSpec {
    /**
     * Whether every backend must produce bit-identical scores: the scores are a pure function of float32 inputs with
     * no float32 arithmetic order left to the backend (none, seeded random, recorded sums). Otherwise a device's
     * scores may differ from the reference's within {@code Tolerance.SCORE}.
     */
    default boolean bitIdenticalAcrossBackends() { return false; }

    /** Whether the scores depend on the head's index (so permuting heads does not permute outputs): the seeded random scorer. */
    default boolean dependsOnHeadIndex() { return false; }

    /** The seed that decides these scores, or null when none does (reports record it). */
    default Long randomSeed() { return null; }

    /** The observation parts this score reads (every variant declares it; a trace reader may skip the others). */
    Set<Part> needs();

    /** The canonical expression of this stage, e.g. {@code window(window=32,pool=max,kernel=7)}. */
    default String expression() { return Variants.print(this); }

    /** No scores (all zero): for selections that ignore scores (full cache, StreamingLLM, recent). */
    record None() implements ScoreSpec {
        public static final Variant<None> KIND = Variant.of(Stage.SCORE, "none", "all zeros (for selections that ignore scores)",
                a -> new None(), s -> List.of());

        @Override public boolean bitIdenticalAcrossBackends() { return true; }

        @Override public Set<Part> needs() { return Set.of(); }
    }

    /**
     * H2O accumulated attention (paper §3.1): a[j] = Σ_i P[i, j] over all T prefill rows, per query head, summed
     * over each GQA group. {@code source}: recorded column sums, or recomputed from the prefill queries.
     */
    record AccumulatedAttention(ScoreSource source) implements ScoreSpec {
        public static final Variant<AccumulatedAttention> KIND = Variant.of(Stage.SCORE, "attention",
                "H2O accumulated attention: column sums of the causal prefill softmax, summed over each GQA group",
                a -> new AccumulatedAttention(a.choice("source", ScoreSource.class)), s -> List.of(s.source),
                Param.choice("source", ScoreSource.class, ScoreSource.RECORDED, "recorded column sums, or recomputed from the prefill queries"));

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
        public static final Variant<WindowAttention> KIND = Variant.of(Stage.SCORE, "window",
                "SnapKV window attention: attention of the last W prefill queries, pooled over neighbours",
                a -> new WindowAttention(a.window("window"), a.choice("pool", Pooling.class), a.integer("kernel")),
                s -> List.of(s.window, s.pooling, s.kernel),
                Param.window("window", new Window.BudgetRecent(), "observation window W (capped at the budget C)"),
                Param.choice("pool", Pooling.class, Pooling.AVG, "pooling of window scores (avg: zero padding, divided by kernel)"),
                Param.oddInteger("kernel", 1, Integer.MAX_VALUE, Policies.ORIGINAL_SNAPKV_KERNEL, "pooling kernel size"));

        public WindowAttention {
            if (window == null || pooling == null) throw new IllegalArgumentException("window and pooling must not be null");
            if (kernel < 1 || kernel % 2 == 0) throw new IllegalArgumentException("pooling kernel must be odd and >= 1, was " + kernel);
        }

        @Override public Set<Part> needs() { return Set.of(Part.PREFILL_QUERIES); }
    }

    /** Seeded uniform scores in [0, 1): {@link SeededUniform#at(long, int, int)} for (head, token). */
    record Random(long seed) implements ScoreSpec {
        public static final Variant<Random> KIND = Variant.of(Stage.SCORE, "uniform", "seeded uniform scores in [0, 1) (SplitMix64)",
                a -> new Random(a.seed("seed")), s -> List.of(s.seed),
                Param.seed("seed", Policies.RANDOM_SEED, "seed of the uniform draws"));

        @Override public boolean dependsOnHeadIndex() { return true; }

        @Override public Long randomSeed() { return seed; }

        @Override public boolean bitIdenticalAcrossBackends() { return true; }

        @Override public Set<Part> needs() { return Set.of(); }
    }

    /**
     * Hindsight oracle (an upper bound): the attention mass that the recorded decode probe queries put on each
     * prefill position, a*[j] = Σ_t softmax_j(q_t·k_j/√D over j < T), summed over each GQA group.
     */
    record HindsightOracle() implements ScoreSpec {
        public static final Variant<HindsightOracle> KIND = Variant.of(Stage.SCORE, "hindsight",
                "hindsight oracle: the attention the recorded decode probes pay (an upper bound)", a -> new HindsightOracle(), s -> List.of());

        @Override public Set<Part> needs() { return Set.of(Part.PROBE_QUERIES); }
    }

    /** A scorer contributed by a plugin ({@code lookm.spec.plugin}): its keyword and parameter values. */
    record Custom(String keyword, Args args) implements ScoreSpec {
        public Custom {
            if (keyword == null || args == null) throw new IllegalArgumentException("a custom scorer needs a keyword and arguments");
        }

        @Override public Set<Part> needs() { return Plugins.stage(Stage.SCORE, keyword).needs(); }
    }
}
