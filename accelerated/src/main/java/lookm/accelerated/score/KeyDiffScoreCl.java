package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.accelerated.cl.ClProgram;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.KeyDiffScore} (key_diff_score.cl): (1) the mean normalised key u per
 * head, (2) S[j] = −cos(k_j, u) with the same clamps (ε_n, ε_c) as the reference.
 */
public final class KeyDiffScoreCl implements Scorer {
    private static final float NORMALIZE_EPSILON = (float) ScoreSpec.KeyDiff.NORMALIZE_EPSILON;
    private static final float COSINE_EPSILON = (float) ScoreSpec.KeyDiff.COSINE_EPSILON;

    private final ClContext cl;

    public KeyDiffScoreCl(ClContext cl) { this.cl = cl; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens(), dim = block.headDim();
        ClProgram program = cl.program("score/key_diff_score", "");
        ClBuffer keys = cl.resident(block).keys();                     // uploaded once, shared with the merge
        try (ClBuffer norms = cl.allocateFloats((long) heads * tokens);
             ClBuffer anchor = cl.allocateFloats((long) heads * dim); ClBuffer out = cl.allocateFloats((long) heads * tokens);
             ClKernel keyNorms = program.kernel("key_norms"); ClKernel mean = program.kernel("mean_direction");
             ClKernel cosine = program.kernel("negative_cosine_to_anchor")) {
            keyNorms.arg(keys).arg(tokens).arg(dim).arg(norms).launch(new long[] {tokens, heads}, null);
            // (1) u = (1/T)·Σ_j k_j / max(‖k_j‖, ε_n)
            mean.arg(keys).arg(norms).arg(tokens).arg(dim).arg(NORMALIZE_EPSILON).arg(anchor).launch(new long[] {dim, heads}, null);
            // (2) S[j] = −k_j·u / max(‖k_j‖·‖u‖, ε_c)
            cosine.arg(keys).arg(norms).arg(anchor).arg(tokens).arg(dim).arg(COSINE_EPSILON).arg(out).launch(new long[] {tokens, heads}, null);
            return new Scores(out.readFloats(heads * tokens), heads, tokens);
        }
    }
}
