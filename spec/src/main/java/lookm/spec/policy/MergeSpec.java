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

    /** π of SPEC.md §4.3: the share of the kept row added per merged slot (1/2 for pivot, else 0). */
    default double pivotShare() { return 0; }

    /**
     * Whether one evicted slot's bookkeeping follows this variant (SPEC.md §4.3 table, invariant I13): null if it does,
     * else the problem in words.
     *
     * @param target the kept index it was merged into, or −1; {@code match} its most similar kept index;
     *               {@code weight} its coefficient; {@code cosine} the match cosine
     */
    String bookkeeping(int target, int match, float weight, float cosine);

    /** Filtered average/weighted merges: merged into the match, or (if filtered out) into nothing. */
    private static String intoMatch(int target, int match, boolean filtered) {
        return target == match || filtered && target == -1 ? null : "merged into " + target + " but its match is " + match;
    }

    /** The canonical expression of this stage, e.g. {@code average(pairing=correct,filter=true)}. */
    default String expression() { return Variants.print(this); }

    /** Evicted tokens are dropped; kept rows are copied bit for bit. */
    record Drop() implements MergeSpec {
        public static final Variant<Drop> KIND = Variant.of(Stage.MERGE, "drop", "evicted tokens dropped", a -> new Drop(), s -> List.of());

        @Override public boolean mergesEvicted() { return false; }

        @Override public String bookkeeping(int target, int match, float weight, float cosine) {
            return target == -1 ? null : "drop merged into " + target;
        }
    }

    /** Pivot merge (paper Eq. 11): k'_r = [k_r + Σ_{s→r} (k_s + k_r)/2] / (1 + n_r). */
    record Pivot() implements MergeSpec {
        public static final Variant<Pivot> KIND = Variant.of(Stage.MERGE, "pivot", "LOOK-M pivot merge (Eq. 11)", a -> new Pivot(), s -> List.of());

        /** The pivot merge adds (k_s + k_r)/2: half the evicted row and half the kept row. */
        public static final float HALF = 0.5f;

        @Override public double pivotShare() { return HALF; }

        @Override public String bookkeeping(int target, int match, float weight, float cosine) {
            return target == match && weight == (target < 0 ? 0f : HALF) ? null
                    : "pivot must merge into its match with weight 1/2, got target " + target + " weight " + weight;
        }
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

        @Override public String bookkeeping(int target, int match, float weight, float cosine) {
            String into = pairing == AveragePairing.CORRECT ? intoMatch(target, match, meanSimilarityFilter) : null;   // mis-paired: any target
            return into != null ? into : target >= 0 && weight != 1f ? "average weight " + weight + " != 1" : null;
        }
    }

    /** Weighted merge (paper Eq. 12): k'_r = [k_r + Σ_{s→r} m_s·k_s] / (1 + n_r), m_s the match cosine. */
    record Weighted(boolean meanSimilarityFilter) implements MergeSpec {
        public static final Variant<Weighted> KIND = Variant.of(Stage.MERGE, "weighted", "LOOK-M weighted merge (Eq. 12)",
                a -> new Weighted(a.bool("filter")), s -> List.of(s.meanSimilarityFilter),
                Param.bool("filter", true, "the released mean-similarity filter"));

        @Override public String bookkeeping(int target, int match, float weight, float cosine) {
            String into = intoMatch(target, match, meanSimilarityFilter);
            return into != null ? into : target >= 0 && weight != cosine ? "weighted weight " + weight + " != match cosine " + cosine : null;
        }
    }

    /**
     * Value-only merge, kvpress {@code MergingPress} (merge_fraction 1; after ToMe, arXiv 2210.09461, and D2O,
     * arXiv 2406.13035): each evicted token e goes to its most key-cosine-similar kept token τ(e) (ties to the lowest
     * kept index) with weight w_e = max(σ_e, 0)·‖v_e‖ / (‖v_e‖ + ‖v_τ‖ + ε) if σ_e ≥ {@code similarityThreshold},
     * and v'_s = (v_s + Σ_{τ(e)=s} w_e·v_e) / (1 + Σ w_e) where that sum is > 0. <b>Keys are never changed.</b>
     * In expressions the threshold is written in thousandths ({@code values(threshold_permille=0)}).
     *
     * @param similarityThreshold minimum match cosine for a merge, in [0, 1] (kvpress default 0)
     */
    record ValueMerge(double similarityThreshold) implements MergeSpec {
        /** Expression units of the threshold: thousandths. */
        public static final int PERMILLE = 1000;
        public static final Variant<ValueMerge> KIND = Variant.of(Stage.MERGE, "values",
                "kvpress MergingPress: evicted values folded into the most similar kept row, keys unchanged",
                a -> new ValueMerge(a.integer("threshold_permille") / (double) PERMILLE),
                s -> List.of((int) Math.round(s.similarityThreshold * PERMILLE)),
                Param.integer("threshold_permille", 0, PERMILLE, 0, "minimum match cosine for a merge, in thousandths"));
        /** ε of the weight's denominator and of the key-norm clamp (kvpress {@code _EPS}). */
        public static final double EPSILON = 1e-6;

        public ValueMerge {
            if (!(similarityThreshold >= 0 && similarityThreshold <= 1))
                throw new IllegalArgumentException("ValueMerge.similarityThreshold must be in [0, 1], was " + similarityThreshold);
        }

        /** Merged into the match when its cosine reaches the threshold, else not; the weight is checked by the row formula. */
        @Override public String bookkeeping(int target, int match, float weight, float cosine) {
            int expected = match >= 0 && cosine >= similarityThreshold ? match : -1;
            return target == expected ? null : "merged into " + target + ", expected " + expected + " (threshold " + similarityThreshold + ")";
        }
    }

    /** A merger contributed by a plugin ({@code lookm.spec.plugin}): its keyword and parameter values. */
    record Custom(String keyword, Args args) implements MergeSpec {
        public Custom {
            if (keyword == null || args == null) throw new IllegalArgumentException("a custom merger needs a keyword and arguments");
        }

        @Override public boolean mergesEvicted() { return false; }

        /** A plugin merge promises no bookkeeping beyond the row formula. */
        @Override public String bookkeeping(int target, int match, float weight, float cosine) { return null; }
    }
}
