package lookm.reference.score;

import lookm.spec.policy.Scorer;
import lookm.spec.policy.SeededUniform;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** Random baseline: u(seed, h, t) from {@link SeededUniform}, identical on every backend. */
public final class RandomScore implements Scorer {
    private final long seed;

    public RandomScore(long seed) { this.seed = seed; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        float[] out = new float[block.heads() * block.tokens()];
        for (int h = 0; h < block.heads(); h++)
            for (int t = 0; t < block.tokens(); t++) out[h * block.tokens() + t] = SeededUniform.at(seed, h, t);
        return new Scores(out, block.heads(), block.tokens());
    }
}
