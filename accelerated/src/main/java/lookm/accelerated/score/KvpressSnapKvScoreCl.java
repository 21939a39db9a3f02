package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.KvpressSnapKvScore}: (1) the window rows' causal column sums over the
 * group (causal_column_sums.cl), (2) average pooling (window_attention_score.cl), (3) ÷ (W'·G) and (4) the window
 * padded with the layer's max + 1 (kvpress_pad.cl).
 */
public final class KvpressSnapKvScoreCl implements Scorer {
    private static final int POOL_AVG = 0;

    private final ClContext cl;
    private final ScoreSpec.KvpressSnapKv spec;

    public KvpressSnapKvScoreCl(ClContext cl, ScoreSpec.KvpressSnapKv spec) {
        this.cl = cl;
        this.spec = spec;
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), heads = block.heads();
        Budget.Resolved b = budget.resolve(tokens);
        int window = Math.min(spec.window(), b.total());
        if (window == 0 || b.coversCache()) return Scores.zeros(heads, tokens);
        Queries q = observation.requirePrefillSuffix(block, window, "kvpress SnapKV");
        int candidates = tokens - window;
        // (1) Σ_{h ∈ g} Σ_{i in window} softmax_j(q_i·k_j/√D, j ≤ i)          (H, T), left on the device for (2)
        float[] pooled;
        try (ClBuffer s = CausalColumnSumsCl.onDevice(cl, block, q.data(), q.queryHeads(), q.positions()); ClBuffer out = cl.allocateFloats((long) heads * tokens);
             ClKernel pool = cl.program("score/window_attention_score", "").kernel("pool_window_scores")) {
            // (2) average pooling over [0, T − W')
            pool.arg(s).arg(tokens).arg(candidates).arg(spec.kernel()).arg(POOL_AVG).arg(out).launch(new long[] {tokens, heads}, null);
            pooled = out.readFloats(heads * tokens);
        }
        // (3) ÷ (W'·G), (4) the window scores the layer's max + 1
        float scale = (float) (1.0 / ((double) window * (q.queryHeads() / heads)));
        return new Scores(KvpressPad.apply(cl, pooled, heads, heads, 1, tokens, candidates, scale), heads, tokens);
    }
}
