package lookm.spec.policy;

import java.util.List;
import java.util.Set;
import lookm.spec.plugin.Plugins;
import lookm.spec.tensor.Observation.Part;
import lookm.spec.tensor.ScorePrecision;

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
     * {@code precision}: the dtype the original runtime holds them in (SPEC.md §2.8; BF16 rounds them to bfloat16).
     */
    record AccumulatedAttention(ScoreSource source, ScorePrecision precision) implements ScoreSpec {
        public static final Variant<AccumulatedAttention> KIND = Variant.of(Stage.SCORE, "attention",
                "H2O accumulated attention: column sums of the causal prefill softmax, summed over each GQA group",
                a -> new AccumulatedAttention(a.choice("source", ScoreSource.class), a.choice("precision", ScorePrecision.class)),
                s -> List.of(s.source, s.precision),
                Param.choice("source", ScoreSource.class, ScoreSource.RECORDED, "recorded column sums, or recomputed from the prefill queries"),
                Param.choice("precision", ScorePrecision.class, ScorePrecision.FLOAT32,
                        "dtype of the score tensor: float32, or bf16 as under torch CPU autocast (the penalty becomes -65536; SPEC §2.8)"));

        public AccumulatedAttention {
            if (source == null) throw new IllegalArgumentException("score source must not be null");
            if (precision == null) throw new IllegalArgumentException("score precision must not be null");
        }

        /** float32 scores (the default). */
        public AccumulatedAttention(ScoreSource source) { this(source, ScorePrecision.FLOAT32); }

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

    // ---- kvpress parity (NVIDIA/kvpress @ 8bb29b9, v0.5.4; SPEC.md §2.6). Scores as kvpress computes them, pads
    // ---- included, so a plain top-n ({@link Policies#KVPRESS_TOP_N}) keeps kvpress's kept set.

    /**
     * kvpress {@code ObservedAttentionPress} (related to H2O, arXiv 2306.14048): each column sum divided by the number
     * of queries that can see the token, averaged over the GQA group, S_g[j] = (1/G)·Σ_{h ∈ g} a_h[j] / (T − j).
     * No recent window and no sinks (the selection is a plain top-n). {@code source}: the recorded column sums, or
     * recomputed from all prefill queries (SPEC.md §2.1).
     */
    record ObservedAttention(ScoreSource source) implements ScoreSpec {
        public static final Variant<ObservedAttention> KIND = Variant.of(Stage.SCORE, "observed",
                "kvpress ObservedAttention: column sums / (T - j), mean over each GQA group",
                a -> new ObservedAttention(a.choice("source", ScoreSource.class)), s -> List.of(s.source),
                Param.choice("source", ScoreSource.class, ScoreSource.RECORDED, "recorded column sums, or recomputed from the prefill queries"));

        @Override public Set<Part> needs() { return Set.of(source == ScoreSource.RECORDED ? Part.ACCUMULATED_ATTENTION : Part.PREFILL_QUERIES); }

        public ObservedAttention {
            if (source == null) throw new IllegalArgumentException("score source must not be null");
        }
    }

    /**
     * kvpress {@code KnormPress} (Devoto et al., arXiv 2406.11430): S[j] = −‖k_j‖₂, so the n <b>smallest</b> key norms
     * are kept. Needs only the keys.
     */
    record KeyNorm() implements ScoreSpec {
        public static final Variant<KeyNorm> KIND = Variant.of(Stage.SCORE, "knorm", "kvpress Knorm: minus the key norm (keeps the smallest norms)",
                a -> new KeyNorm(), s -> List.of());

        @Override public Set<Part> needs() { return Set.of(); }
    }

    /**
     * kvpress {@code TOVAPress} (Oren et al., arXiv 2401.06104): the last prefill query's softmax over all T keys,
     * averaged over <b>all</b> query heads, S[j] = (1/Hq)·Σ_h softmax_j(q_{h,T−1}·k_j/√D) for j < T − 1, the same for
     * every KV head; S[T − 1] = max + {@link Policies#KVPRESS_PAD_ABOVE_MAX}. Needs the prefill query of T − 1.
     */
    record Tova() implements ScoreSpec {
        public static final Variant<Tova> KIND = Variant.of(Stage.SCORE, "tova", "kvpress TOVA: the last query's attention, mean over all query heads",
                a -> new Tova(), s -> List.of());

        @Override public Set<Part> needs() { return Set.of(Part.PREFILL_QUERIES); }
    }

    /**
     * VL-Cache's modality-aware token scoring (Tu et al., arXiv 2410.23317 §4, "post-vision attention"; SPEC.md §2.9):
     * s_h[j] = Σ_{q ∈ group(h)} Σ_{i post-vision} softmax_{j ≤ p_i}(q_i·k_j/√D), the attention the prompt's text queries
     * after the last visual token pay to every cached position (all observed prefill rows when there are none).
     */
    record PostVisionAttention() implements ScoreSpec {
        public static final Variant<PostVisionAttention> KIND = Variant.of(Stage.SCORE, "postvision",
                "VL-Cache post-vision attention: column sums of the observed prefill rows at text positions after the last visual token",
                a -> new PostVisionAttention(), s -> List.of());

        @Override public Set<Part> needs() { return Set.of(Part.PREFILL_QUERIES); }
    }

    /**
     * kvpress {@code KeyDiffPress} (Park et al., arXiv 2504.15364), one-shot: u = mean_j k_j/max(‖k_j‖, 1e−12) per
     * head, S[j] = −cos(k_j, u) with cos = x·y / max(‖x‖‖y‖, 1e−8): keeps the keys least aligned with the mean.
     */
    record KeyDiff() implements ScoreSpec {
        public static final Variant<KeyDiff> KIND = Variant.of(Stage.SCORE, "keydiff", "kvpress KeyDiff: minus the cosine to the mean normalised key",
                a -> new KeyDiff(), s -> List.of());

        @Override public Set<Part> needs() { return Set.of(); }

        /** F.normalize's clamp of the key norm (ε_n). */
        public static final double NORMALIZE_EPSILON = 1e-12;
        /** F.cosine_similarity's clamp of the norm product (ε_c). */
        public static final double COSINE_EPSILON = 1e-8;
    }

    /**
     * kvpress {@code LagKVPress} (Liang et al., arXiv 2504.04704), cross_scoring off: partitions of {@code lagSize}
     * tokens after {@code sinkTokens} sinks; each partition is scored against the next one's per-channel min/max
     * (std over channels of the min-max-scaled K and V, softmax over the partition, K and V averaged), stored as its
     * rank within the partition / lagSize. The sinks and the last partition plus remainder score 1.
     *
     * @param sinkTokens S ≥ 0 (kvpress default 4)
     * @param lagSize    ℓ ≥ 1 (kvpress default 128); T < S + 2ℓ scores the sinks 1 and the rest by position
     */
    record LagKv(int sinkTokens, int lagSize) implements ScoreSpec {
        public static final Variant<LagKv> KIND = Variant.of(Stage.SCORE, "lagkv", "kvpress LagKV: partition ranks against the next partition",
                a -> new LagKv(a.integer("sinks"), a.integer("lag")), s -> List.of(s.sinkTokens, s.lagSize),
                Param.integer("sinks", 0, Integer.MAX_VALUE, Policies.KVPRESS_SINKS, "sink tokens scored 1"),
                Param.integer("lag", 1, Integer.MAX_VALUE, Policies.KVPRESS_LAGKV_LAG, "partition length"));

        @Override public Set<Part> needs() { return Set.of(); }

        public LagKv {
            if (sinkTokens < 0) throw new IllegalArgumentException("LagKv.sinkTokens must be >= 0, was " + sinkTokens);
            if (lagSize < 1) throw new IllegalArgumentException("LagKv.lagSize must be >= 1, was " + lagSize);
        }
    }

    /**
     * kvpress {@code CURPress} (CurDKV, arXiv 2509.15038), leverage "kv_product", no random projection, local
     * approximation: κ_j = ‖k_j‖², ν_j = ‖v_j‖², each normalised to sum 1 inside blocks of {@code localWindow}
     * positions (the last block zero-padded), S_j = κ̂_j·ν̂_j / Σ κ̂·ν̂, and S_j = 1 for j < {@code sinkTokens}.
     *
     * @param sinkTokens  S ≥ 0 (kvpress default 4)
     * @param localWindow w ≥ 1 (kvpress default 16)
     */
    record Cur(int sinkTokens, int localWindow) implements ScoreSpec {
        public static final Variant<Cur> KIND = Variant.of(Stage.SCORE, "cur", "kvpress CUR: local key x value leverage product",
                a -> new Cur(a.integer("sinks"), a.integer("local")), s -> List.of(s.sinkTokens, s.localWindow),
                Param.integer("sinks", 0, Integer.MAX_VALUE, Policies.KVPRESS_SINKS, "sink tokens scored 1"),
                Param.integer("local", 1, Integer.MAX_VALUE, Policies.KVPRESS_CUR_LOCAL_WINDOW, "local normalisation window"));

        @Override public Set<Part> needs() { return Set.of(); }

        public Cur {
            if (sinkTokens < 0) throw new IllegalArgumentException("Cur.sinkTokens must be >= 0, was " + sinkTokens);
            if (localWindow < 1) throw new IllegalArgumentException("Cur.localWindow must be >= 1, was " + localWindow);
        }
    }

    /**
     * kvpress {@code SnapKVPress} (Li et al., arXiv 2404.14469): window attention of the last W' = min(W, C) prefill
     * queries <b>averaged</b> over the window rows, average-pooled (zero padding, divided by {@code kernel}), averaged
     * over the GQA group; the window positions score max + {@link Policies#KVPRESS_PAD_ABOVE_MAX}, so a plain top-n
     * keeps them. With C ≥ W this is kvpress exactly; kvpress refuses T ≤ W and leaves C < W to torch's tie order.
     *
     * @param window W ≥ 1 (kvpress default 64)
     * @param kernel odd pooling kernel ≥ 1 (kvpress default 5)
     */
    record KvpressSnapKv(int window, int kernel) implements ScoreSpec {
        public static final Variant<KvpressSnapKv> KIND = Variant.of(Stage.SCORE, "kvsnapkv",
                "kvpress SnapKV: window attention averaged over rows and group, window padded max + 1",
                a -> new KvpressSnapKv(a.integer("window"), a.integer("kernel")), s -> List.of(s.window, s.kernel),
                Param.integer("window", 1, Integer.MAX_VALUE, Policies.KVPRESS_SNAPKV_WINDOW, "observation window W (capped at the budget C)"),
                Param.oddInteger("kernel", 1, Integer.MAX_VALUE, Policies.KVPRESS_SNAPKV_KERNEL, "average pooling kernel"));

        @Override public Set<Part> needs() { return Set.of(Part.PREFILL_QUERIES); }

        public KvpressSnapKv {
            if (window < 1) throw new IllegalArgumentException("KvpressSnapKv.window must be >= 1, was " + window);
            if (kernel < 1 || kernel % 2 == 0) throw new IllegalArgumentException("KvpressSnapKv.kernel must be odd and >= 1, was " + kernel);
        }
    }

    /**
     * Scores computed elsewhere (any press, any framework), one (H, T) float32 array per layer, read from a file
     * (CLI {@code --scores-from}) into {@link lookm.spec.tensor.Observation#externalScores()}; higher means keep.
     */
    record External() implements ScoreSpec {
        public static final Variant<External> KIND = Variant.of(Stage.SCORE, "external", "scores computed elsewhere (--scores-from)",
                a -> new External(), s -> List.of());

        @Override public boolean bitIdenticalAcrossBackends() { return true; }

        @Override public Set<Part> needs() { return Set.of(Part.EXTERNAL_SCORES); }
    }

    /** A scorer contributed by a plugin ({@code lookm.spec.plugin}): its keyword and parameter values. */
    record Custom(String keyword, Args args) implements ScoreSpec {
        public Custom {
            if (keyword == null || args == null) throw new IllegalArgumentException("a custom scorer needs a keyword and arguments");
        }

        @Override public Set<Part> needs() { return Plugins.stage(Stage.SCORE, keyword).needs(); }
    }
}
