package lookm.spec.policy;

import java.util.List;

/**
 * How evicted tokens are folded into kept ones. Keys are matched by cosine similarity (each evicted key to
 * its most similar kept key of the same head, ties to the lowest kept position); <b>both keys and values</b>
 * are merged, values reusing the key match, as in the paper and the released code. Formulas: SPEC.md §4. Each
 * record describes its own expression keyword and parameters in its {@code KIND}.
 */
public sealed interface MergeSpec {
    /** Whether the merge uses the released mean-similarity filter (SPEC.md §4.2); records with the component override it. */
    default boolean meanSimilarityFilter() { return false; }

    /** Whether evicted rows are folded into cosine-matched kept rows (SPEC.md §4.1; false: dropped, or a plugin's own rule). */
    default boolean mergesEvicted() { return true; }

    /** The canonical expression of this stage, e.g. {@code average(pairing=correct,filter=true)}. */
    default String expression() { return Variants.print(this); }

    /** Evicted tokens are dropped; kept rows are copied bit for bit. */
    record Drop() implements MergeSpec {
        public static final Variant<Drop> KIND = Variant.of(Stage.MERGE, "drop", "evicted tokens dropped", a -> new Drop(), s -> List.of());

        @Override public boolean mergesEvicted() { return false; }
    }

    /** Pivot merge (paper Eq. 11): k'_r = [k_r + Σ_{s→r} (k_s + k_r)/2] / (1 + n_r). */
    record Pivot() implements MergeSpec {
        public static final Variant<Pivot> KIND = Variant.of(Stage.MERGE, "pivot", "LOOK-M pivot merge (Eq. 11)", a -> new Pivot(), s -> List.of());
    }

    /**
     * Average merge (paper Eq. 10): k'_r = [k_r + Σ_{s→r} k_s] / (1 + n_r), over the filtered evicted tokens
     * if {@code meanSimilarityFilter}, paired as {@code pairing} says.
     */
    record Average(AveragePairing pairing, boolean meanSimilarityFilter) implements MergeSpec {
        public static final Variant<Average> KIND = Variant.of(Stage.MERGE, "average", "LOOK-M average merge (Eq. 10)",
                a -> new Average(a.choice("pairing", AveragePairing.class), a.bool("filter")), s -> List.of(s.pairing, s.meanSimilarityFilter),
                Param.choice("pairing", AveragePairing.class, AveragePairing.CORRECT, "correct, or the released code's mis-pairing"),
                Param.bool("filter", true, "the released mean-similarity filter"));

        public Average {
            if (pairing == null) throw new IllegalArgumentException("pairing must not be null");
        }
    }

    /** Weighted merge (paper Eq. 12): k'_r = [k_r + Σ_{s→r} m_s·k_s] / (1 + n_r), m_s the match cosine. */
    record Weighted(boolean meanSimilarityFilter) implements MergeSpec {
        public static final Variant<Weighted> KIND = Variant.of(Stage.MERGE, "weighted", "LOOK-M weighted merge (Eq. 12)",
                a -> new Weighted(a.bool("filter")), s -> List.of(s.meanSimilarityFilter),
                Param.bool("filter", true, "the released mean-similarity filter"));
    }

    /** A merger contributed by a plugin ({@code lookm.spec.plugin}): its keyword and parameter values. */
    record Custom(String keyword, Args args) implements MergeSpec {
        public Custom {
            if (keyword == null || args == null) throw new IllegalArgumentException("a custom merger needs a keyword and arguments");
        }

        @Override public boolean mergesEvicted() { return false; }
    }
}
