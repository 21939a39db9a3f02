package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** OpenCL twin of {@code lookm.reference.score.RandomScore} (random_score.cl): SeededUniform, bit-identical. */
public final class RandomScoreCl implements Scorer {
    private final ClContext cl;
    private final long seed;

    public RandomScoreCl(ClContext cl, long seed) {
        this.cl = cl;
        this.seed = seed;
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens();
        try (ClBuffer out = cl.allocateFloats((long) heads * tokens);
             ClKernel uniform = cl.program("score/random_score", "").kernel("seeded_uniform")) {
            // (1) s[h][t] = u(seed, h, t)
            uniform.arg(seed).arg(tokens).arg(out).launch(new long[] {tokens, heads}, null);
            return new Scores(out.readFloats(heads * tokens), heads, tokens);
        }
    }
}
