package lookm.reference.score;

import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * kvpress CURPress, leverage "kv_product" with local approximation (CurDKV, arXiv 2509.15038; SPEC.md §2.6.6):
 * κ_j = ‖k_j‖², ν_j = ‖v_j‖², each divided by its sum over the block of w positions holding j (the last block
 * zero-padded), S_j = κ̂_j·ν̂_j / Σ_j' κ̂_j'·ν̂_j', then S_j = 1 for the first S positions. A block or a head whose
 * sum is 0 scores 0 there (kvpress: 0/0 = NaN).
 */
public final class CurScore implements Scorer {
    private final ScoreSpec.Cur spec;

    public CurScore(ScoreSpec.Cur spec) { this.spec = spec; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens();
        float[] out = new float[block.heads() * tokens];
        for (int h = 0; h < block.heads(); h++) {
            // (1) κ and ν, (2) each normalised inside its local block
            double[] kappa = localNormalized(squaredNorms(block.keys(), block, h)), nu = localNormalized(squaredNorms(block.values(), block, h));
            // (3) S_j = κ̂_j·ν̂_j / Σ κ̂·ν̂
            double total = 0;
            for (int j = 0; j < tokens; j++) total += kappa[j] * nu[j];
            for (int j = 0; j < tokens; j++) out[h * tokens + j] = total == 0 ? 0f : (float) (kappa[j] * nu[j] / total);
            // (4) the sinks score 1
            for (int j = 0; j < Math.min(spec.sinkTokens(), tokens); j++) out[h * tokens + j] = Policies.KVPRESS_PROTECTED_SCORE;
        }
        return new Scores(out, block.heads(), tokens);
    }

    private static double[] squaredNorms(float[] data, KvBlock block, int head) {
        double[] out = new double[block.tokens()];
        for (int j = 0; j < out.length; j++)
            for (int c = 0, at = block.offset(head, j); c < block.headDim(); c++) out[j] += (double) data[at + c] * data[at + c];
        return out;
    }

    /** x_j / Σ_{j' in j's block of w} x_j' (zero padding past T adds nothing to the last block's sum). */
    private double[] localNormalized(double[] x) {
        int w = spec.localWindow();
        double[] out = new double[x.length];
        for (int start = 0; start < x.length; start += w) {
            int end = Math.min(start + w, x.length);
            double sum = 0;
            for (int j = start; j < end; j++) sum += x[j];
            for (int j = start; j < end; j++) out[j] = sum == 0 ? 0 : x[j] / sum;
        }
        return out;
    }
}
