package lookm.accelerated.score;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** Twin of {@code lookm.reference.score.NoScore}: all-zero scores (no device work). */
public final class NoScoreCl implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        return Scores.zeros(block.heads(), block.tokens());
    }
}
