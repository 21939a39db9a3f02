package lookm.reference.score;

import lookm.reference.ops.Rows;
import lookm.reference.ops.Softmax;
import lookm.spec.policy.Policies;
import lookm.spec.policy.Pooling;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;
import org.ejml.data.DMatrixRMaj;

/**
 * kvpress SnapKVPress (Li et al., arXiv 2404.14469; SPEC.md §2.6.5): window attention of the last W' = min(W, C)
 * prefill queries, mean over the window rows, average-pooled (zero padding, ÷ kernel), mean over the GQA group; the
 * window positions score (the layer's largest score) + 1, so kvpress's plain top-n keeps them.
 */
public final class KvpressSnapKvScore implements Scorer {
    private final ScoreSpec.KvpressSnapKv spec;

    public KvpressSnapKvScore(ScoreSpec.KvpressSnapKv spec) { this.spec = spec; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), dim = block.headDim(), heads = block.heads();
        Budget.Resolved b = budget.resolve(tokens);
        float[] out = new float[heads * tokens];
        int window = Math.min(spec.window(), b.total());
        if (window == 0 || b.coversCache()) return new Scores(out, heads, tokens);
        Queries q = observation.requirePrefillSuffix(block, window, "kvpress SnapKV");
        HeadGroups groups = new HeadGroups(q.queryHeads(), heads);
        int candidates = tokens - window;
        int[] limits = new int[window];
        for (int i = 0; i < window; i++) limits[i] = candidates + i + 1;       // row T−W'+i attends to j ≤ T−W'+i
        double[][] pooled = new double[heads][];
        double max = 0;
        for (int kv = 0; kv < heads; kv++) {
            DMatrixRMaj keys = Rows.range(block.keys(), tokens, dim, kv, 0, tokens);
            double[] sums = new double[tokens];
            // (1) Σ_{h ∈ g} Σ_{i in window} softmax_j(q_i·k_j/√D, j ≤ i)
            for (int g = 0; g < groups.groupSize(); g++)
                Softmax.accumulate(Rows.range(q.data(), window, dim, kv * groups.groupSize() + g, 0, window), keys, limits, sums);
            // (2) pool over [0, T − W') (linear, so pooling the group sum = the group mean of pooled rows)
            pooled[kv] = WindowAttentionScore.pool(sums, candidates, Pooling.AVG, spec.kernel());
            // (3) ÷ (W'·G): the mean over the window rows and over the group
            for (int j = 0; j < candidates; j++) {
                pooled[kv][j] /= (double) window * groups.groupSize();
                max = kv == 0 && j == 0 ? pooled[kv][j] : Math.max(max, pooled[kv][j]);
            }
        }
        // (4) the window positions score max + 1, the max over every head and candidate of the layer
        for (int kv = 0; kv < heads; kv++)
            for (int j = 0; j < tokens; j++)
                out[kv * tokens + j] = (float) (j < candidates ? pooled[kv][j] : max + Policies.KVPRESS_PAD_ABOVE_MAX);
        return new Scores(out, heads, tokens);
    }
}
