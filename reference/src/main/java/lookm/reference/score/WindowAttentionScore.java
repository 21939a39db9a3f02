package lookm.reference.score;

import lookm.spec.policy.Pooling;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * SnapKV window attention (SPEC.md §2.2): the last W prefill queries' causal softmax rows summed per key,
 * s[j] = Σ_{i ≥ T−W} P[i, j] for j < T − W, pooled over the kernel; positions in the window score 0.
 */
public final class WindowAttentionScore implements Scorer {
    private final ScoreSpec.WindowAttention spec;

    public WindowAttentionScore(ScoreSpec.WindowAttention spec) { this.spec = spec; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens();
        Budget.Resolved b = budget.resolve(tokens);
        int window = spec.window().length(b.total(), b.recent());
        float[] out = new float[block.heads() * tokens];
        if (window == 0 || b.coversCache()) return new Scores(out, block.heads(), tokens);
        Queries q = observation.requirePrefillSuffix(block, window, "window attention");
        int candidates = tokens - window;
        int[] limits = new int[window];
        for (int i = 0; i < window; i++) limits[i] = candidates + i + 1;       // row T−W+i attends to j ≤ T−W+i
        // (1) s[j] = Σ_{i in window} softmax_j(q_i·k_j/√D, j ≤ i), summed over the group
        double[][] sums = CausalColumnSums.perKvHeadExact(block, q.data(), q.queryHeads(), limits);
        for (int kv = 0; kv < block.heads(); kv++) {
            // (2) pool s over [0, T − W); the window itself scores 0 (it is always kept)
            double[] pooled = pool(sums[kv], candidates, spec.pooling(), spec.kernel());
            for (int j = 0; j < candidates; j++) out[kv * tokens + j] = (float) pooled[j];
        }
        return new Scores(out, block.heads(), tokens);
    }

    /**
     * AVG: p[j] = (1/k)·Σ_{|t| ≤ k/2} s[j+t] with s = 0 outside [0, n) (avg_pool1d, zero padding,
     * count_include_pad). MAX: p[j] = max over the in-range neighbours.
     */
    static double[] pool(double[] s, int n, Pooling pooling, int kernel) {
        int half = kernel / 2;
        double[] p = new double[n];
        for (int j = 0; j < n; j++) {
            double acc = pooling == Pooling.MAX ? Double.NEGATIVE_INFINITY : 0;
            for (int t = Math.max(0, j - half); t <= Math.min(n - 1, j + half); t++)
                acc = pooling == Pooling.MAX ? Math.max(acc, s[t]) : acc + s[t];
            p[j] = pooling == Pooling.MAX ? acc : acc / kernel;
        }
        return p;
    }
}
