package lookm.reference.score;

import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.ScorePrecision;
import lookm.spec.tensor.Scores;

/**
 * H2O accumulated attention (SPEC.md §2.1): a_h[j] = Σ_{q ∈ group(h)} Σ_{i ≥ j} P_q[i, j], from the recorded
 * column sums or recomputed from all prefill queries (causal softmax, never T×T at once, double accumulation);
 * (4) held in the spec's {@link ScorePrecision} (BF16: each sum rounded once to bfloat16, SPEC.md §2.8).
 */
public final class AccumulatedAttentionScore implements Scorer {
    private final ScoreSource source;
    private final ScorePrecision precision;

    public AccumulatedAttentionScore(ScoreSpec.AccumulatedAttention spec) {
        this.source = spec.source();
        this.precision = spec.precision();
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        if (source == ScoreSource.RECORDED) {
            AccumulatedAttention a = observation.requireRecorded(block, "accumulated attention (recorded)");
            // (3) sum the query heads of each GQA group
            float[] perKvHead = new HeadGroups(a.queryHeads(), block.heads()).aggregate(a.values(), a.tokens());
            return precision.apply(new Scores(perKvHead, block.heads(), block.tokens()));     // (4) in the spec's precision
        }
        Queries q = observation.requirePrefillSuffix(block, block.tokens(), "accumulated attention (recomputed)");
        return precision.apply(new Scores(recompute(block, q), block.heads(), block.tokens()));  // (4) in the spec's precision
    }

    /** Column sums per KV head, (H, T), from all T prefill queries. */
    static float[] recompute(KvBlock block, Queries queries) {
        int[] causalLimits = new int[block.tokens()];
        for (int i = 0; i < causalLimits.length; i++) causalLimits[i] = i + 1;   // row i attends to j ≤ i
        // (1)-(4) a_h[j] = Σ_{q ∈ group(h)} Σ_i exp(z_ij − m_i) / l_i
        return CausalColumnSums.perKvHead(block, queries.data(), queries.queryHeads(), causalLimits);
    }
}
