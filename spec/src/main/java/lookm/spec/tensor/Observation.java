package lookm.spec.tensor;

import java.util.Optional;

/**
 * What was observed besides K/V during prefill (and after, for probes). Each part is optional; a scorer
 * that needs a missing part says so.
 *
 * @param accumulatedAttention recorded column sums per query head (H2O-family scores), or null
 * @param prefillQueries      post-RoPE prefill queries, a suffix of the prompt (window) or all of it, or null
 * @param probeQueries        decode queries at positions >= T (fidelity evaluation, hindsight oracle), or null
 * @param externalScores      scores computed elsewhere for this layer, (H, T) per KV head ({@code ScoreSpec.External}), or null
 */
public record Observation(AccumulatedAttention accumulatedAttention, Queries prefillQueries, Queries probeQueries, Scores externalScores) {
    /** An observation without external scores. */
    public Observation(AccumulatedAttention accumulatedAttention, Queries prefillQueries, Queries probeQueries) {
        this(accumulatedAttention, prefillQueries, probeQueries, null);
    }

    /** The parts of an observation, as a scorer declares what it reads ({@code ScoreSpec.needs()}). */
    public enum Part {
        /** Recorded column sums per query head. */
        ACCUMULATED_ATTENTION,
        /** Post-RoPE prefill queries. */
        PREFILL_QUERIES,
        /** Decode probe queries (positions >= T). */
        PROBE_QUERIES,
        /** Scores computed elsewhere for the layer (--scores-from; not part of a trace). */
        EXTERNAL_SCORES
    }

    /** This observation with only {@code parts} kept (the others null): what a policy may read. */
    public Observation only(java.util.Set<Part> parts) {
        return new Observation(parts.contains(Part.ACCUMULATED_ATTENTION) ? accumulatedAttention : null,
                parts.contains(Part.PREFILL_QUERIES) ? prefillQueries : null, parts.contains(Part.PROBE_QUERIES) ? probeQueries : null,
                parts.contains(Part.EXTERNAL_SCORES) ? externalScores : null);
    }

    public static Observation none() { return new Observation(null, null, null); }

    public static Observation ofScores(AccumulatedAttention scores) { return new Observation(scores, null, null); }

    public Optional<AccumulatedAttention> recorded() { return Optional.ofNullable(accumulatedAttention); }

    public Optional<Queries> prefill() { return Optional.ofNullable(prefillQueries); }

    public Optional<Queries> probes() { return Optional.ofNullable(probeQueries); }

    /**
     * The recorded accumulated attention, checked against the block (T, and query heads a multiple of its KV heads).
     *
     * @param who the scorer asking, for the message
     */
    public AccumulatedAttention requireRecorded(KvBlock block, String who) {
        AccumulatedAttention a = recorded().orElseThrow(() -> new IllegalArgumentException(
                who + " needs recorded accumulated attention (column sums per query head), but the observation has none"));
        if (a.tokens() != block.tokens())
            throw new IllegalArgumentException(who + ": recorded accumulated attention covers T=" + a.tokens() + ", the block has T=" + block.tokens());
        HeadGroups.of(a.queryHeads(), block, who);
        return a;
    }

    /** Exactly the prefill queries of positions T − count … T − 1 (a suffix of what was observed). */
    public Queries requirePrefillSuffix(KvBlock block, int count, String who) {
        Queries q = prefill().orElseThrow(() -> new IllegalArgumentException(
                who + " needs prefill queries (the last " + count + " positions), but the observation has none"));
        int tokens = block.tokens();
        int[] p = q.positions();
        if (q.headDim() != block.headDim())
            throw new IllegalArgumentException(who + ": prefill queries have D=" + q.headDim() + ", keys have D=" + block.headDim());
        if (p[p.length - 1] != tokens - 1 || p.length < count || p[p.length - count] != tokens - count)
            throw new IllegalArgumentException(who + " needs prefill queries for positions " + (tokens - count) + ".." + (tokens - 1)
                    + ", the observation has " + p.length + " queries ending at position " + p[p.length - 1]);
        HeadGroups.of(q.queryHeads(), block, who);
        return q.count() == count ? q : q.last(count);
    }

    /**
     * VL-Cache's post-vision prefill queries (SPEC.md §2.9): the observed rows at text-prior positions after the last
     * visual position, every observed row when there are none; checked against the block's head dim and KV heads.
     */
    public Queries requirePostVision(KvBlock block, String who) {
        Queries q = prefill().orElseThrow(() -> new IllegalArgumentException(
                who + " needs prefill queries (the post-vision rows: text positions after the last image), but the observation has none"));
        if (q.headDim() != block.headDim())
            throw new IllegalArgumentException(who + ": prefill queries have D=" + q.headDim() + ", keys have D=" + block.headDim());
        if (q.positions()[0] >= block.tokens())
            throw new IllegalArgumentException(who + ": prefill queries start at position " + q.positions()[0] + ", outside the block's T=" + block.tokens());
        HeadGroups.of(q.queryHeads(), block, who);
        int[] rows = q.postVisionRows(block.layout(), block.tokens());
        return rows.length == q.count() ? q : q.rows(rows);
    }

    /** The decode probe queries, checked against the block's head dim and KV heads. */
    public Queries requireProbes(KvBlock block, String who) {
        Queries q = probes().orElseThrow(() -> new IllegalArgumentException(who + " needs decode probe queries, but the observation has none"));
        if (q.headDim() != block.headDim())
            throw new IllegalArgumentException(who + ": probe queries have D=" + q.headDim() + ", keys have D=" + block.headDim());
        HeadGroups.of(q.queryHeads(), block, who);
        return q;
    }

    /** The external scores, checked against the block's shape (H, T). */
    public Scores requireExternal(KvBlock block, String who) {
        if (externalScores == null)
            throw new IllegalArgumentException(who + " needs external scores for this layer (--scores-from), but the observation has none");
        if (externalScores.heads() != block.heads() || externalScores.tokens() != block.tokens())
            throw new IllegalArgumentException(who + ": external scores are (H=" + externalScores.heads() + ", T=" + externalScores.tokens()
                    + "), the block is (H=" + block.heads() + ", T=" + block.tokens() + ")");
        return externalScores;
    }

    public Observation withProbes(Queries probes) { return new Observation(accumulatedAttention, prefillQueries, probes, externalScores); }

    public Observation withPrefill(Queries prefill) { return new Observation(accumulatedAttention, prefill, probeQueries, externalScores); }

    public Observation withRecorded(AccumulatedAttention scores) { return new Observation(scores, prefillQueries, probeQueries, externalScores); }

    public Observation withExternal(Scores scores) { return new Observation(accumulatedAttention, prefillQueries, probeQueries, scores); }
}
