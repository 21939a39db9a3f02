package lookm.spec.policy;

import java.util.List;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/**
 * Which tokens survive, per head. Formal definitions: spec/SPEC.md §3. Never reads keys or values. Each record
 * describes its own expression keyword and parameters in its {@code KIND}.
 */
public sealed interface SelectSpec {
    /** Whether text and image positions are separate rank classes, text first (the text prior, SPEC.md §3.3). */
    default boolean textRanksFirst() { return false; }

    /** Whether the free part of the selection follows {@link KeepOrder} on the scores (false: it ignores them, or promises nothing). */
    default boolean ranksByScore() { return true; }

    /** Whether every token is kept whatever the budget (the full cache). */
    default boolean keepsAll() { return false; }

    /** The canonical expression of this stage, e.g. {@code topk(sinks=4,window=R,ties=position)}. */
    default String expression() { return Variants.print(this); }

    /** Who survives equal scores at this selection's top-N cut (SPEC.md §3); POSITION for selections without a cut. */
    default TieOrder ties() { return TieOrder.POSITION; }

    /** This selection with its tie order replaced (selections without a top-N cut are returned unchanged). */
    default SelectSpec withTies(TieOrder ties) {
        if (this instanceof TopK t) return new TopK(t.sinkTokens(), t.window(), ties);
        if (this instanceof TextPrior tp) return new TextPrior(tp.mode(), ties);
        return this;
    }

    /**
     * |kept_h| this selection keeps when the budget does not cover the cache (SPEC.md §3, invariant I2), for head
     * {@code head} of {@code scores}; {@code scores} may be null except for an exact released text prior count.
     */
    int keptCount(TokenLayout layout, Budget.Resolved budget, Scores scores, int head);

    /** What this selection protects when the budget does not cover the cache: {recent window (I4), sinks (I5)}. */
    int[] protectedCounts(Budget.Resolved budget);

    /** Keep every token (full cache). */
    record KeepAll() implements SelectSpec {
        public static final Variant<KeepAll> KIND = Variant.of(Stage.SELECT, "keepall", "keep every token (full cache)", a -> new KeepAll(), s -> List.of());

        @Override public int keptCount(TokenLayout layout, Budget.Resolved b, Scores scores, int head) { return layout.size(); }

        @Override public int[] protectedCounts(Budget.Resolved b) { return new int[] {b.tokens(), b.tokens()}; }

        @Override public boolean ranksByScore() { return false; }

        @Override public boolean keepsAll() { return true; }
    }

    /**
     * H2O-style: the last W positions (the window), plus the top (C − W) of the rest by score, with the first
     * {@code sinkTokens} positions ranked above every other candidate (the original merges force 4 sinks).
     * With W = R this is top-N + recent R, C = N + R. {@code ties}: who survives equal scores at the cut; under
     * TORCH_CPU as the original calls torch: {@code topk} without sinks, {@code argsort(descending)} over the
     * candidates with the sinks at +∞ when there are sinks.
     */
    record TopK(int sinkTokens, Window window, TieOrder ties) implements SelectSpec {
        public static final Variant<TopK> KIND = Variant.of(Stage.SELECT, "topk",
                "top (C - W) by score over the first T - W positions (sinks ranked first) + the last W",
                a -> new TopK(a.integer("sinks"), a.window("window"), a.choice("ties", TieOrder.class)), s -> List.of(s.sinkTokens, s.window, s.ties),
                Param.integer("sinks", 0, Integer.MAX_VALUE, 0, "first positions ranked above every other candidate"),
                Param.window("window", new Window.BudgetRecent(), "recent window W kept whatever the scores (capped at C)"),
                Param.choice("ties", TieOrder.class, TieOrder.POSITION, TieOrder.PARAM_DESCRIPTION));

        public TopK {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
            if (window == null) throw new IllegalArgumentException("window must not be null");
            if (ties == null) throw new IllegalArgumentException("tie order must not be null");
        }

        /** Ties broken by position (the default). */
        public TopK(int sinkTokens, Window window) { this(sinkTokens, window, TieOrder.POSITION); }

        @Override public int keptCount(TokenLayout layout, Budget.Resolved b, Scores scores, int head) { return b.total(); }   // C = N + R

        @Override public int[] protectedCounts(Budget.Resolved b) {
            int w = window.length(b.total(), b.recent());
            return new int[] {w, Math.min(sinkTokens, b.total() - w)};
        }
    }

    /**
     * LOOK-M text prior (paper §3.2): text tokens rank before image tokens. {@code ties}: who survives equal
     * (penalised) scores at the top-N cut; under TORCH_CPU {@code torch.topk} as the original calls it.
     */
    record TextPrior(TextPriorMode mode, TieOrder ties) implements SelectSpec {
        public static final Variant<TextPrior> KIND = Variant.of(Stage.SELECT, "textprior",
                "LOOK-M text prior: text before image, then score; + recent R",
                a -> new TextPrior(a.choice("mode", TextPriorMode.class), a.choice("ties", TieOrder.class)), s -> List.of(s.mode, s.ties),
                Param.choice("mode", TextPriorMode.class, TextPriorMode.RELEASED,
                        "released (the authors' code: every text token kept) or budgeted (the paper: exactly N + R)"),
                Param.choice("ties", TieOrder.class, TieOrder.POSITION, TieOrder.PARAM_DESCRIPTION));

        public TextPrior {
            if (mode == null) throw new IllegalArgumentException("text prior mode must not be null");
            if (ties == null) throw new IllegalArgumentException("tie order must not be null");
        }

        /** Ties broken by position (the default). */
        public TextPrior(TextPriorMode mode) { this(mode, TieOrder.POSITION); }

        @Override public boolean textRanksFirst() { return true; }

        /** Budgeted: N + R. Released: R + max(P_h, N), P_h = |{j ∈ Ω : b_h[j] ≥ 0}| (SPEC.md §3.3); N_text without scores. */
        @Override public int keptCount(TokenLayout layout, Budget.Resolved b, Scores scores, int head) {
            if (mode == TextPriorMode.BUDGETED) return b.total();
            return b.recent() + Math.max(nonNegativeAdjusted(layout, b, scores, head), b.heavy());
        }

        @Override public int[] protectedCounts(Budget.Resolved b) { return new int[] {b.recent(), 0}; }

        /** P_h: candidates whose released adjusted score fl32(a − Λ·[image]) is >= 0; N_text without scores. */
        private static int nonNegativeAdjusted(TokenLayout layout, Budget.Resolved b, Scores scores, int head) {
            if (scores == null) return layout.textCount(0, b.recentStart());
            int n = 0;
            for (int j = 0; j < b.recentStart(); j++) {
                float a = scores.at(head, j);
                if ((layout.isImage(j) ? scores.precision().penalised(a, Policies.TEXT_PRIOR_PENALTY) : a) >= 0f) n++;
            }
            return n;
        }
    }

    /** StreamingLLM (Xiao et al. 2023): the first {@code sinkTokens} plus the most recent C − sinks positions. */
    record Streaming(int sinkTokens) implements SelectSpec {
        public static final Variant<Streaming> KIND = Variant.of(Stage.SELECT, "streaming", "StreamingLLM: the first sinks + the most recent C - sinks",
                a -> new Streaming(a.integer("sinks")), s -> List.of(s.sinkTokens),
                Param.integer("sinks", 0, Integer.MAX_VALUE, Policies.STREAMING_SINKS, "attention sinks kept at the start"));

        public Streaming {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
        }

        @Override public int keptCount(TokenLayout layout, Budget.Resolved b, Scores scores, int head) { return b.total(); }   // C = N + R

        @Override public int[] protectedCounts(Budget.Resolved b) {
            int sinks = Math.min(sinkTokens, b.total());
            return new int[] {b.total() - sinks, sinks};
        }

        @Override public boolean ranksByScore() { return false; }
    }

    /** A selector contributed by a plugin ({@code lookm.spec.plugin}): its keyword and parameter values. */
    record Custom(String keyword, Args args) implements SelectSpec {
        public Custom {
            if (keyword == null || args == null) throw new IllegalArgumentException("a custom selector needs a keyword and arguments");
        }

        /** A plugin selection promises the budget, C = N + R (the contract's budget property checks it). */
        @Override public int keptCount(TokenLayout layout, Budget.Resolved b, Scores scores, int head) { return b.total(); }

        /** A plugin selection promises no window or sinks. */
        @Override public int[] protectedCounts(Budget.Resolved b) { return new int[] {0, 0}; }

        @Override public boolean ranksByScore() { return false; }
    }
}
