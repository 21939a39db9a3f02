package lookm.spec.tensor;

/**
 * How many tokens a policy keeps. Two counts per layer of T tokens: heavy hitters N and recent window R.
 * With ratios, N = floor(T·heavyRatio) and R = floor(T·recentRatio) (as the paper and the original code:
 * Python int() of a float64 product). The total budget is C = N + R.
 */
public sealed interface Budget {
    /** N for a layer of {@code tokens} positions, before clamping. */
    int heavy(int tokens);

    /** R for a layer of {@code tokens} positions, before clamping. */
    int recent(int tokens);

    /**
     * The total budget C = N + R before truncation, as a real number: T·heavyRatio + T·recentRatio for ratios (float64),
     * N + R (the default) for counts. PyramidKV's layer budgets start from it (kvpress: m = T·(1 − compression_ratio)).
     */
    default double meanTotal(int tokens) { return (double) heavy(tokens) + recent(tokens); }

    /** The clamped counts for a layer of {@code tokens} positions. */
    default Resolved resolve(int tokens) {
        if (tokens <= 0) throw new IllegalArgumentException("budget needs a non-empty cache, got T=" + tokens);
        return Resolved.of(tokens, heavy(tokens), recent(tokens));
    }

    static Budget ratios(double heavyRatio, double recentRatio) { return new Ratios(heavyRatio, recentRatio); }

    static Budget counts(int heavy, int recent) { return new Counts(heavy, recent); }

    /** kvpress's budget: n = int(T·(1 − compressionRatio)) kept, no recent window (see {@link CompressionRatio}). */
    static Budget compressionRatio(double compressionRatio) { return new CompressionRatio(compressionRatio); }

    /** Budget as fractions of T, each in [0, 1]. */
    record Ratios(double heavyRatio, double recentRatio) implements Budget {
        public Ratios {
            check("heavyRatio", heavyRatio);
            check("recentRatio", recentRatio);
        }

        private static void check(String name, double ratio) {
            if (!(ratio >= 0.0 && ratio <= 1.0))
                throw new IllegalArgumentException(name + " must be in [0, 1], was " + ratio);
        }

        // (1) N = floor(T · heavyRatio), R = floor(T · recentRatio)   (float64 product, truncation)
        @Override public int heavy(int tokens) { return (int) Math.floor((double) tokens * heavyRatio); }

        @Override public int recent(int tokens) { return (int) Math.floor((double) tokens * recentRatio); }

        @Override public double meanTotal(int tokens) { return (double) tokens * heavyRatio + (double) tokens * recentRatio; }

        @Override public String toString() { return "ratios(heavy=" + heavyRatio + ", recent=" + recentRatio + ")"; }
    }

    /** Budget as absolute counts, each >= 0. */
    record Counts(int heavy, int recent) implements Budget {
        public Counts {
            if (heavy < 0) throw new IllegalArgumentException("heavy count must be >= 0, was " + heavy);
            if (recent < 0) throw new IllegalArgumentException("recent count must be >= 0, was " + recent);
        }

        @Override public int heavy(int tokens) { return heavy; }

        @Override public int recent(int tokens) { return recent; }

        @Override public String toString() { return "counts(heavy=" + heavy + ", recent=" + recent + ")"; }
    }

    /**
     * kvpress's budget rounding (NVIDIA/kvpress {@code ScorerPress.compress}): n = int(T·(1 − cr)), evaluated in IEEE
     * double and truncated, all of it heavy (N = n, R = 0). Because 1 − 0.9 = 0.09999999999999998, T = 1200 at cr 0.8
     * keeps 239, not 240: the same nominal ratio can keep one token fewer than {@link Ratios}. cr = 0 keeps everything.
     *
     * @param compressionRatio the fraction removed, in [0, 1]
     */
    record CompressionRatio(double compressionRatio) implements Budget {
        public CompressionRatio {
            if (!(compressionRatio >= 0.0 && compressionRatio <= 1.0))
                throw new IllegalArgumentException("compressionRatio must be in [0, 1], was " + compressionRatio);
        }

        // (1) n = int(T · (1 − cr))   (float64: the subtraction first, then the product, then truncation)
        @Override public int heavy(int tokens) { return (int) (tokens * (1.0 - compressionRatio)); }

        @Override public int recent(int tokens) { return 0; }

        // m = T · (1 − cr), before truncation: kvpress's PyramidKV starts from it (SPEC.md §3A.3)
        @Override public double meanTotal(int tokens) { return tokens * (1.0 - compressionRatio); }

        @Override public String toString() { return "kvpress(compression_ratio=" + compressionRatio + ")"; }
    }

    /**
     * Budget counts for one layer. {@code coversCache} is the original trigger: when T <= N + R (raw counts)
     * nothing is compressed. Otherwise R <= T - 1 and N <= T - R, so the counts can be used as they are.
     *
     * @param tokens T
     * @param heavy  N, clamped to T - R
     * @param recent R, clamped to T
     */
    record Resolved(int tokens, int heavy, int recent, boolean coversCache) {
        static Resolved of(int tokens, int heavy, int recent) {
            long total = (long) heavy + recent;
            int r = Math.min(recent, tokens);
            int n = Math.min(heavy, tokens - r);
            return new Resolved(tokens, n, r, total >= tokens);
        }

        /** C = N + R (clamped). */
        public int total() { return heavy + recent; }

        /** First position of the recent window, T − R. */
        public int recentStart() { return tokens - recent; }
    }
}
