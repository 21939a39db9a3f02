package lookm.properties.example;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * Example variant (README): text tokens rank first, image tokens rank by the L2 norm of their key. Needs nothing but
 * the keys, so it runs without recorded attention.
 */
public final class KeyNormImageScore implements Scorer {
    /** Every text token scores this, above any key norm of finite float32 keys. */
    public static final float TEXT_SCORE = Float.MAX_VALUE;

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens(), dim = block.headDim();
        float[] out = new float[heads * tokens];
        for (int h = 0; h < heads; h++)
            for (int t = 0; t < tokens; t++) {
                if (block.layout().isText(t)) {
                    out[h * tokens + t] = TEXT_SCORE;
                    continue;
                }
                double sumOfSquares = 0;                                   // ||k_t||² in double
                for (int i = 0; i < dim; i++) sumOfSquares += (double) block.keys()[block.offset(h, t) + i] * block.keys()[block.offset(h, t) + i];
                out[h * tokens + t] = (float) Math.sqrt(sumOfSquares);
            }
        return new Scores(out, heads, tokens);
    }
}
