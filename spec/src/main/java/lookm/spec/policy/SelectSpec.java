package lookm.spec.policy;

/** Which tokens survive, per head. Formal definitions: spec/SPEC.md §3. Never reads keys or values. */
public sealed interface SelectSpec {
    /** Whether text and image positions are separate rank classes, text first (the text prior, SPEC.md §3.3). */
    default boolean textRanksFirst() { return false; }

    /** Keep every token (full cache). */
    record KeepAll() implements SelectSpec {}

    /**
     * H2O-style: the last W positions (the window), plus the top (C − W) of the rest by score, with the first
     * {@code sinkTokens} positions ranked above every other candidate (the original merges force 4 sinks).
     * With W = R this is top-N + recent R, C = N + R.
     */
    record TopK(int sinkTokens, Window window) implements SelectSpec {
        public TopK {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
            if (window == null) throw new IllegalArgumentException("window must not be null");
        }
    }

    /** LOOK-M text prior (paper §3.2): text tokens rank before image tokens. */
    record TextPrior(TextPriorMode mode) implements SelectSpec {
        public TextPrior {
            if (mode == null) throw new IllegalArgumentException("text prior mode must not be null");
        }

        @Override public boolean textRanksFirst() { return true; }
    }

    /** StreamingLLM (Xiao et al. 2023): the first {@code sinkTokens} plus the most recent C − sinks positions. */
    record Streaming(int sinkTokens) implements SelectSpec {
        public Streaming {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
        }
    }
}
