package lookm.reference.score;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * kvpress KnormPress (Devoto et al., arXiv 2406.11430; SPEC.md §2.6.2): S_h[j] = −‖k_{h,j}‖₂. The selection keeps the
 * highest scores, so the <b>smallest</b> key norms survive (low-norm keys draw the most attention in that paper).
 */
public final class KeyNormScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), dim = block.headDim();
        float[] keys = block.keys(), out = new float[block.heads() * tokens];
        for (int h = 0; h < block.heads(); h++)
            for (int j = 0; j < tokens; j++) {
                double squares = 0;
                for (int c = 0, at = block.offset(h, j); c < dim; c++) squares += (double) keys[at + c] * keys[at + c];
                out[h * tokens + j] = (float) -Math.sqrt(squares);                  // (1) S = −‖k‖₂
            }
        return new Scores(out, block.heads(), tokens);
    }
}
