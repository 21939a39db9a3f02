package lookm.accelerated.score;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** Twin of {@code lookm.reference.score.ExternalScore}: the observation's external scores, unchanged (nothing to compute). */
public final class ExternalScoreCl implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        return observation.requireExternal(block, "external scores");
    }
}
