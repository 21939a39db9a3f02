package lookm.spec.policy;

import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** Importance per cached token, shape (H, T) per KV head; higher means keep. Step 1 of a policy. */
public interface Scorer {
    /**
     * @param block       the layer's K/V, (H, T, D). Not modified.
     * @param observation recorded scores and/or queries, as the scorer needs. Not modified.
     * @param budget      the budget (window scorers size their window from it)
     */
    Scores score(KvBlock block, Observation observation, Budget budget);
}
