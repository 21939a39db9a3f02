package lookm.reference.score;

import lookm.reference.ops.Rows;
import lookm.reference.ops.Softmax;
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
import org.ejml.data.DMatrixRMaj;

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
        int tokens = block.tokens(), dim = block.headDim();
        HeadGroups groups = new HeadGroups(queries.queryHeads(), block.heads());
        int[] causalLimits = new int[tokens];
        for (int i = 0; i < tokens; i++) causalLimits[i] = i + 1;               // row i attends to j ≤ i
        float[] out = new float[block.heads() * tokens];
        for (int kv = 0; kv < block.heads(); kv++) {
            DMatrixRMaj keys = Rows.range(block.keys(), tokens, dim, kv, 0, tokens);
            double[] sums = new double[tokens];
            for (int g = 0; g < groups.groupSize(); g++) {
                int qh = kv * groups.groupSize() + g;
                DMatrixRMaj rows = Rows.range(queries.data(), tokens, dim, qh, 0, tokens);
                // (1)-(2) a_q[j] = Σ_i exp(z_ij − m_i) / l_i, accumulated over blocks of query rows
                Softmax.accumulate(rows, keys, causalLimits, sums);             // (3) summed over the group
            }
            for (int t = 0; t < tokens; t++) out[kv * tokens + t] = (float) sums[t];
        }
        return out;
    }
}
