package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.Pooling;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.WindowAttentionScore} (causal_column_sums.cl over the window rows,
 * then window_attention_score.cl): s[j] = Σ_{i ≥ T−W} P[i, j] summed over the GQA group, pooled over [0, T − W);
 * the window scores 0.
 */
public final class WindowAttentionScoreCl implements Scorer {
    private static final int POOL_AVG = 0, POOL_MAX = 1;

    private final ClContext cl;
    private final ScoreSpec.WindowAttention spec;

    public WindowAttentionScoreCl(ClContext cl, ScoreSpec.WindowAttention spec) {
        this.cl = cl;
        this.spec = spec;
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), heads = block.heads();
        Budget.Resolved b = budget.resolve(tokens);
        int window = spec.window().length(b.total(), b.recent());
        if (window == 0 || b.coversCache()) return Scores.zeros(heads, tokens);
        Queries q = observation.requirePrefillSuffix(block, window, "window attention");
        int candidates = tokens - window;
        // (1) s[j] = Σ_{i in window} softmax_j(q_i·k_j/√D, j ≤ i), summed over the group (H, T), left on the device
        // (2) pool s over [0, T − W); the window itself scores 0; one read-back
        try (ClBuffer s = CausalColumnSumsCl.onDevice(cl, block, q.data(), q.queryHeads(), q.positions());
             ClBuffer pooled = cl.allocateFloats((long) heads * tokens);
             ClKernel pool = cl.program("score/window_attention_score", "").kernel("pool_window_scores")) {
            pool.arg(s).arg(tokens).arg(candidates).arg(spec.kernel()).arg(spec.pooling() == Pooling.MAX ? POOL_MAX : POOL_AVG).arg(pooled)
                    .launch(new long[] {tokens, heads}, null);
            return new Scores(pooled.readFloats(heads * tokens), heads, tokens);
        }
    }
}
