package lookm.spec.policy;

/** Which tokens survive, per head. Formal definitions: spec/SPEC.md §3. Never reads keys or values. */
public sealed interface SelectSpec {
    /** Who survives equal scores at this selection's top-N cut (SPEC.md §3); POSITION for selections without a cut. */
    default TieOrder ties() { return TieOrder.POSITION; }

    /** This selection with its tie order replaced (selections without a top-N cut are returned unchanged). */
    default SelectSpec withTies(TieOrder ties) {
        if (this instanceof TopK t) return new TopK(t.sinkTokens(), t.window(), ties);
        if (this instanceof TextPrior tp) return new TextPrior(tp.mode(), ties);
        return this;
    }

    /** Keep every token (full cache). */
    record KeepAll() implements SelectSpec {}

    /**
     * H2O-style: the last W positions (the window), plus the top (C − W) of the rest by score, with the first
     * {@code sinkTokens} positions ranked above every other candidate (the original merges force 4 sinks).
     * With W = R this is top-N + recent R, C = N + R. {@code ties}: who survives equal scores at the cut; under
     * TORCH_CPU as the original calls torch: {@code topk} without sinks, {@code argsort(descending)} over the
     * candidates with the sinks at +∞ when there are sinks.
     */
    record TopK(int sinkTokens, Window window, TieOrder ties) implements SelectSpec {
        public TopK {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
            if (window == null) throw new IllegalArgumentException("window must not be null");
            if (ties == null) throw new IllegalArgumentException("tie order must not be null");
        }

        /** Ties broken by position (the default). */
        public TopK(int sinkTokens, Window window) { this(sinkTokens, window, TieOrder.POSITION); }
    }

    /**
     * LOOK-M text prior (paper §3.2): text tokens rank before image tokens. {@code ties}: who survives equal
     * (penalised) scores at the top-N cut; under TORCH_CPU {@code torch.topk} as the original calls it.
     */
    record TextPrior(TextPriorMode mode, TieOrder ties) implements SelectSpec {
        public TextPrior {
            if (mode == null) throw new IllegalArgumentException("text prior mode must not be null");
            if (ties == null) throw new IllegalArgumentException("tie order must not be null");
        }

        /** Ties broken by position (the default). */
        public TextPrior(TextPriorMode mode) { this(mode, TieOrder.POSITION); }
    }

    /** StreamingLLM (Xiao et al. 2023): the first {@code sinkTokens} plus the most recent C − sinks positions. */
    record Streaming(int sinkTokens) implements SelectSpec {
        public Streaming {
            if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
        }
    }
}
