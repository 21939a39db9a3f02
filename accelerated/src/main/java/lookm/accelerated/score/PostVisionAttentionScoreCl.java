package lookm.accelerated.score;

import lookm.accelerated.cl.ClContext;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.PostVisionAttentionScore} (SPEC.md §2.9; causal_column_sums.cl over the
 * post-vision rows): s_h[j] = Σ_{q ∈ group(h)} Σ_{i post-vision} softmax_{j ≤ p_i}(q_i·k_j/√D), float32 on the device.
 */
public final class PostVisionAttentionScoreCl implements Scorer {
    private final ClContext cl;

    public PostVisionAttentionScoreCl(ClContext cl) { this.cl = cl; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        // (1) the post-vision rows i and what each sees: j ≤ p_i (and j < T)
        Queries q = observation.requirePostVision(block, "post-vision attention");
        // (2) s_h[j] = Σ_{q ∈ group(h)} Σ_i softmax_j(q_i·k_j/√D, j ≤ p_i)                                      (H, T)
        return new Scores(CausalColumnSumsCl.perKvHead(cl, block, q.data(), q.queryHeads(), q.positions()), block.heads(), block.tokens());
    }
}
