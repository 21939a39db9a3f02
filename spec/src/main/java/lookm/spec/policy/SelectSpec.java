package lookm.spec.policy;

import java.util.List;

/**
 * Which tokens survive, per head. Formal definitions: spec/SPEC.md §3. Never reads keys or values. Each record
 * describes its own expression keyword and parameters in its {@code KIND}.
 */
public sealed interface SelectSpec {
    /** Whether text and image positions are separate rank classes, text first (the text prior, SPEC.md §3.3). */
    default boolean textRanksFirst() { return false; }

    /** The canonical expression of this stage, e.g. {@code topk(sinks=4,window=R)}. */
    default String expression() { return Variants.print(this); }

    /** Keep every token (full cache). */
    record KeepAll() implements SelectSpec {
        public static final Variant<KeepAll> KIND = Variant.of(Stage.SELECT, "keepall", "keep every token (full cache)", a -> new KeepAll(), s -> List.of());
    }

    /**
     * H2O-style: the last W positions (the window), plus the top (C − W) of the rest by score, with the first
     * {@code sinkTokens} positions ranked above every other candidate (the original merges force 4 sinks).
     * With W = R this is top-N + recent R, C = N + R.
     */
    record TopK(int sinkTokens, Window window) implements SelectSpec {
        public static final Variant<TopK> KIND = Variant.of(Stage.SELECT, "topk",
                "top (C - W) by score over the first T - W positions (sinks ranked first) + the last W",
                a -> new TopK(a.integer("sinks"), a.window("window")), s -> List.of(s.sinkTokens, s.window),
                Param.integer("sinks", 0, Integer.MAX_VALUE, 0, "first positions ranked above every other candidate"),
                Param.window("window", new Window.BudgetRecent(), "recent window W kept whatever the scores (capped at C)"));

        public TopK {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
            if (window == null) throw new IllegalArgumentException("window must not be null");
        }
    }

    /** LOOK-M text prior (paper §3.2): text tokens rank before image tokens. */
    record TextPrior(TextPriorMode mode) implements SelectSpec {
        public static final Variant<TextPrior> KIND = Variant.of(Stage.SELECT, "textprior",
                "LOOK-M text prior: text before image, then score; + recent R",
                a -> new TextPrior(a.choice("mode", TextPriorMode.class)), s -> List.of(s.mode),
                Param.choice("mode", TextPriorMode.class, TextPriorMode.RELEASED,
                        "released (the authors' code: every text token kept) or budgeted (the paper: exactly N + R)"));

        public TextPrior {
            if (mode == null) throw new IllegalArgumentException("text prior mode must not be null");
        }

        @Override public boolean textRanksFirst() { return true; }
    }

    /** StreamingLLM (Xiao et al. 2023): the first {@code sinkTokens} plus the most recent C − sinks positions. */
    record Streaming(int sinkTokens) implements SelectSpec {
        public static final Variant<Streaming> KIND = Variant.of(Stage.SELECT, "streaming", "StreamingLLM: the first sinks + the most recent C - sinks",
                a -> new Streaming(a.integer("sinks")), s -> List.of(s.sinkTokens),
                Param.integer("sinks", 0, Integer.MAX_VALUE, Policies.STREAMING_SINKS, "attention sinks kept at the start"));

        public Streaming {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
        }
    }

    /** A selector contributed by a plugin ({@code lookm.spec.plugin}): its keyword and parameter values. */
    record Custom(String keyword, Args args) implements SelectSpec {
        public Custom {
            if (keyword == null || args == null) throw new IllegalArgumentException("a custom selector needs a keyword and arguments");
        }
    }
}
