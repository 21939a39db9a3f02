package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/** OpenCL twin of {@code lookm.reference.score.KeyNormScore} (key_norm_score.cl): S[h][j] = −‖k_{h,j}‖₂, step (1). */
public final class KeyNormScoreCl implements Scorer {
    private final ClContext cl;

    public KeyNormScoreCl(ClContext cl) { this.cl = cl; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens();
        ClBuffer keys = cl.resident(block).keys();                     // uploaded once, shared with the merge
        try (ClBuffer out = cl.allocateFloats((long) heads * tokens);
             ClKernel norms = cl.program("score/key_norm_score", "").kernel("negative_key_norms")) {
            // (1) S = −‖k‖₂ per (token, head)
            norms.arg(keys).arg(tokens).arg(block.headDim()).arg(out).launch(new long[] {tokens, heads}, null);
            return new Scores(out.readFloats(heads * tokens), heads, tokens);
        }
    }
}
