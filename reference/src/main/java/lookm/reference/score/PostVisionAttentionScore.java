package lookm.reference.score;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * VL-Cache's modality-aware token scoring (Tu et al., arXiv 2410.23317 §4, "post-vision attention"; SPEC.md §2.9):
 * the causal softmax rows of the observed prefill queries at text positions after the last visual token, summed per
 * key and over each GQA group: s_h[j] = Σ_{q ∈ group(h)} Σ_{i post-vision} softmax_{j ≤ p_i}(q_i·k_j/√D).
 */
public final class PostVisionAttentionScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens();
        // (1) the post-vision rows i and what each sees: j ≤ p_i (and j < T)
        Queries q = observation.requirePostVision(block, "post-vision attention");
        int[] limits = new int[q.count()];
        for (int i = 0; i < limits.length; i++) limits[i] = Math.min(q.positions()[i], tokens - 1) + 1;
        // (2) s_h[j] = Σ_{q ∈ group(h)} Σ_i softmax_j(q_i·k_j/√D, j < limit_i), in double, rounded once       (H, T)
        return new Scores(CausalColumnSums.perKvHead(block, q.data(), q.queryHeads(), limits), block.heads(), tokens);
    }
}
