package lookm.spec.decode;

import lookm.spec.invariant.Invariants;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;

/**
 * When and to what size a decode-phase stream compresses (SPEC.md §9): the prompt's cache is compressed to the cap
 * first; then after every {@code every}-th generated token each KV head's cache is compressed back to {@code cap} when
 * it holds more. Between compressions the cache grows by one row per generated token, so (SPEC.md I18) after each
 * compression a head holds at most C rows and at every step at most C + k, k in [1, N] the steps since the last
 * compression: the period's slack is N rows. (kvpress {@code DecodingPress(compression_interval=N, target_size=C)},
 * NVIDIA/kvpress @ 8bb29b9, compresses only while decoding; the prompt compression to the same cap is its
 * {@code PrefillDecodingPress} with the same press.)
 *
 * @param every  N, generated tokens between compressions, >= 1
 * @param cap    C, rows per KV head after a compression, >= 1
 * @param recent R, the recent window inside C (the budget is N' = C − R heavy hitters + R recent), in [0, C]
 */
public record DecodeSchedule(int every, int cap, int recent) {
    public DecodeSchedule {
        if (every < 1) throw new IllegalArgumentException("--decode-every must be >= 1 (generated tokens between compressions), was " + every);
        if (cap < 1) throw new IllegalArgumentException("--decode-cap must be >= 1 (rows per KV head), was " + cap);
        if (recent < 0 || recent > cap) throw new IllegalArgumentException("--decode-recent must be in [0, --decode-cap=" + cap + "], was " + recent);
    }

    /** The budget of every compression: C − R heavy hitters plus R recent, as counts. */
    public Budget budget() { return Budget.counts(cap - recent, recent); }

    /** True when the stream compresses after {@code sinceCompression} generated tokens since the last compression. */
    public boolean due(int sinceCompression) { return sinceCompression >= every; }

    /** The most rows a head may hold {@code sinceCompression} tokens after a compression: C + k (I18). */
    public int bound(int sinceCompression) { return cap + sinceCompression; }

    /**
     * Refuses a policy whose selection may keep more than the budget C, for which the cap cannot hold: the full cache,
     * and the released text prior (it keeps every text token, and every generated token is text); scores recomputed from
     * all queries, read from the probes or depending on the head index.
     *
     * @throws IllegalArgumentException naming the policy and what to use instead
     */
    public static void requireBounded(PolicySpec policy) {
        SelectSpec select = policy.select();
        if (select instanceof SelectSpec.KeepAll)
            throw new IllegalArgumentException("policy " + policy.name() + " keeps the whole cache: a decode cap cannot hold (replay it without --decode-every)");
        if (Invariants.textPriorMode(select) == TextPriorMode.RELEASED)
            throw new IllegalArgumentException("policy " + policy.name() + " uses the released text prior, which keeps every text token beyond the"
                    + " budget (SPEC.md I3); every generated token is text, so its cache would grow without bound: use the budgeted text prior"
                    + " (e.g. lookm-budgeted, or select=textprior(mode=budgeted))");
        if (policy.score().needs().contains(lookm.spec.tensor.Observation.Part.PROBE_QUERIES))
            throw new IllegalArgumentException("policy " + policy.name() + " reads the decode probes, which in decode replay are the tokens still to be"
                    + " generated: it cannot run while decoding");
        if (!policy.withScoreSource(lookm.spec.policy.ScoreSource.RECORDED).score().equals(policy.score()))
            throw new IllegalArgumentException("policy " + policy.name() + " recomputes its accumulated attention from every cached token's query;"
                    + " while decoding, the stream accumulates each generated token's attention instead (SPEC.md §9): use the recorded source"
                    + " (--scores recorded)");
        if (!policy.scope().global())
            throw new IllegalArgumentException("policy " + policy.name() + ": decode replay supports scope=global only: the caches it compresses"
                    + " after the prompt hold gathered rows whose image, tile and frame ids are not kept (SPEC.md §9), was scope=" + policy.scope());
        if (policy.score().dependsOnHeadIndex())
            throw new IllegalArgumentException("policy " + policy.name() + "'s scores depend on the head index; decode replay compresses each KV"
                    + " head's cache as a block of its own, which would change them");
    }
}
