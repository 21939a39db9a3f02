package lookm.reference.score;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** ScoreSpec.None: all-zero scores, for selections that do not read them. */
public final class NoScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        return Scores.zeros(block.heads(), block.tokens());
    }
}
