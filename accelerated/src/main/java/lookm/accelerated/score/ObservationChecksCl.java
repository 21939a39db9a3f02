package lookm.accelerated.score;

import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;

/** What each scorer needs from an {@link Observation}; same rules and messages as the reference's ObservationChecks. */
final class ObservationChecksCl {
    private ObservationChecksCl() {}

    static AccumulatedAttention recorded(KvBlock block, Observation observation, String scorer) {
        AccumulatedAttention a = observation.recorded().orElseThrow(() -> new IllegalArgumentException(
                scorer + " needs recorded accumulated attention (column sums per query head), but the observation has none"));
        if (a.tokens() != block.tokens())
            throw new IllegalArgumentException(scorer + ": recorded accumulated attention covers T=" + a.tokens() + ", the block has T=" + block.tokens());
        groups(block, a.queryHeads(), scorer);
        return a;
    }

    /** Prefill queries that include the last {@code count} positions T − count … T − 1, as exactly those rows. */
    static Queries lastPrefillRows(KvBlock block, Observation observation, int count, String scorer) {
        Queries q = observation.prefill().orElseThrow(() -> new IllegalArgumentException(
                scorer + " needs prefill queries (the last " + count + " positions), but the observation has none"));
        int tokens = block.tokens();
        int[] p = q.positions();
        if (q.headDim() != block.headDim())
            throw new IllegalArgumentException(scorer + ": prefill queries have D=" + q.headDim() + ", keys have D=" + block.headDim());
        if (p[p.length - 1] != tokens - 1 || p.length < count || p[p.length - count] != tokens - count)
            throw new IllegalArgumentException(scorer + " needs prefill queries for positions " + (tokens - count) + ".." + (tokens - 1)
                    + ", the observation has " + p.length + " queries ending at position " + p[p.length - 1]);
        groups(block, q.queryHeads(), scorer);
        return q.count() == count ? q : q.last(count);
    }

    static Queries probes(KvBlock block, Observation observation, String scorer) {
        Queries q = observation.probes().orElseThrow(() -> new IllegalArgumentException(
                scorer + " needs decode probe queries, but the observation has none"));
        if (q.headDim() != block.headDim())
            throw new IllegalArgumentException(scorer + ": probe queries have D=" + q.headDim() + ", keys have D=" + block.headDim());
        groups(block, q.queryHeads(), scorer);
        return q;
    }

    static void groups(KvBlock block, int queryHeads, String scorer) {
        if (queryHeads % block.heads() != 0)
            throw new IllegalArgumentException(scorer + ": " + queryHeads + " query heads is not a multiple of the block's " + block.heads() + " KV heads");
    }
}
