package lookm.reference.score;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * Scores computed elsewhere (SPEC.md §2.7): the observation's external (H, T) scores for this layer, unchanged, so
 * any press computed in another framework can be selected, merged and measured here.
 */
public final class ExternalScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        return observation.requireExternal(block, "external scores");
    }
}
