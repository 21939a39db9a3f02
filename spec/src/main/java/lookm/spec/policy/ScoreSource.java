package lookm.spec.policy;

/** Where accumulated attention comes from. */
public enum ScoreSource {
    /** Recorded column sums ({@code Observation.accumulatedAttention}); bit-faithful to a recorded run. */
    RECORDED,
    /** Recomputed from all prefill queries and the keys: causal softmax column sums, never T×T at once. */
    RECOMPUTED
}
