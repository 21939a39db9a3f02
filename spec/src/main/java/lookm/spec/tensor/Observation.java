package lookm.spec.tensor;

import java.util.Optional;

/**
 * What was observed besides K/V during prefill (and after, for probes). Each part is optional; a scorer
 * that needs a missing part says so.
 *
 * @param accumulatedAttention recorded column sums per query head (H2O-family scores), or null
 * @param prefillQueries      post-RoPE prefill queries, a suffix of the prompt (window) or all of it, or null
 * @param probeQueries        decode queries at positions >= T (fidelity evaluation, hindsight oracle), or null
 */
public record Observation(AccumulatedAttention accumulatedAttention, Queries prefillQueries, Queries probeQueries) {
    public static Observation none() { return new Observation(null, null, null); }

    public static Observation ofScores(AccumulatedAttention scores) { return new Observation(scores, null, null); }

    public Optional<AccumulatedAttention> recorded() { return Optional.ofNullable(accumulatedAttention); }

    public Optional<Queries> prefill() { return Optional.ofNullable(prefillQueries); }

    public Optional<Queries> probes() { return Optional.ofNullable(probeQueries); }

    public Observation withProbes(Queries probes) { return new Observation(accumulatedAttention, prefillQueries, probes); }

    public Observation withPrefill(Queries prefill) { return new Observation(accumulatedAttention, prefill, probeQueries); }

    public Observation withRecorded(AccumulatedAttention scores) { return new Observation(scores, prefillQueries, probeQueries); }
}
