package lookm.properties.example.plugin;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** kvpress's Knorm idea as a plugin: keep the keys of smallest L2 norm, score = −‖k‖ (reads nothing but the keys). */
public final class SmallestKeyNormScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens(), dim = block.headDim();
        float[] out = new float[heads * tokens];
        for (int h = 0; h < heads; h++)
            for (int t = 0; t < tokens; t++) {
                double sumOfSquares = 0;                                   // ||k_t||² in double
                for (int i = 0; i < dim; i++) sumOfSquares += (double) block.keys()[block.offset(h, t) + i] * block.keys()[block.offset(h, t) + i];
                out[h * tokens + t] = (float) -Math.sqrt(sumOfSquares);
            }
        return new Scores(out, heads, tokens);
    }
}
