package lookm.reference.score;

import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * kvpress KeyDiffPress (Park et al., arXiv 2504.15364, one-shot; SPEC.md §2.6.3): per KV head the anchor
 * u = (1/T)·Σ_j k_j / max(‖k_j‖, ε_n) and S[j] = −k_j·u / max(‖k_j‖·‖u‖, ε_c): keys least aligned with the mean
 * direction are kept.
 */
public final class KeyDiffScore implements Scorer {
    private static final double NORMALIZE_EPSILON = ScoreSpec.KeyDiff.NORMALIZE_EPSILON, COSINE_EPSILON = ScoreSpec.KeyDiff.COSINE_EPSILON;

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), dim = block.headDim();
        float[] keys = block.keys(), out = new float[block.heads() * tokens];
        double[] norm = new double[tokens];
        for (int h = 0; h < block.heads(); h++) {
            double[] anchor = new double[dim];
            for (int j = 0; j < tokens; j++) {
                int at = block.offset(h, j);
                double squares = 0;
                for (int c = 0; c < dim; c++) squares += (double) keys[at + c] * keys[at + c];
                norm[j] = Math.sqrt(squares);
                // (1) u = (1/T)·Σ_j k_j / max(‖k_j‖, ε_n)
                double scale = 1.0 / (Math.max(norm[j], NORMALIZE_EPSILON) * tokens);
                for (int c = 0; c < dim; c++) anchor[c] += keys[at + c] * scale;
            }
            double anchorNorm = 0;
            for (int c = 0; c < dim; c++) anchorNorm += anchor[c] * anchor[c];
            anchorNorm = Math.sqrt(anchorNorm);
            for (int j = 0; j < tokens; j++) {
                int at = block.offset(h, j);
                double dot = 0;
                for (int c = 0; c < dim; c++) dot += keys[at + c] * anchor[c];
                // (2) S[j] = −k_j·u / max(‖k_j‖·‖u‖, ε_c)
                out[h * tokens + j] = (float) (-dot / Math.max(norm[j] * anchorNorm, COSINE_EPSILON));
            }
        }
        return new Scores(out, block.heads(), tokens);
    }
}
