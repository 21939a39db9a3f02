package lookm.reference.score;

import lookm.reference.ops.Rows;
import lookm.reference.ops.Softmax;
import lookm.spec.policy.Policies;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;
import org.ejml.data.DMatrixRMaj;

/**
 * kvpress TOVAPress (Oren et al., arXiv 2401.06104; SPEC.md §2.6.4): the attention of the last prefill query,
 * averaged over <b>all</b> query heads, S[j] = (1/Hq)·Σ_h softmax_j(q_{h,T−1}·k_{⌊h/G⌋,j}/√D) for j < T − 1, one
 * score row shared by every KV head; the last token scores max + 1 so it is always kept.
 */
public final class TovaScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), dim = block.headDim(), heads = block.heads();
        Queries last = observation.requirePrefillSuffix(block, 1, "TOVA");
        HeadGroups groups = new HeadGroups(last.queryHeads(), heads);
        int[] limit = {tokens};                                                // the last query sees every key
        double[] sums = new double[tokens];
        for (int q = 0; q < last.queryHeads(); q++) {
            DMatrixRMaj keys = Rows.range(block.keys(), tokens, dim, groups.kvHeadOf(q), 0, tokens);
            // (1) Σ_h softmax_j(q_{h,T−1}·k_j/√D) over all T keys
            Softmax.accumulate(Rows.range(last.data(), 1, dim, q, 0, 1), keys, limit, sums);
        }
        // (2) mean over the Hq query heads for j < T − 1;  (3) S[T − 1] = max_j S[j] + 1
        double max = 0;
        double[] row = new double[tokens];
        for (int j = 0; j < tokens - 1; j++) {
            row[j] = sums[j] / last.queryHeads();
            max = j == 0 ? row[j] : Math.max(max, row[j]);
        }
        row[tokens - 1] = max + Policies.KVPRESS_PAD_ABOVE_MAX;
        float[] out = new float[heads * tokens];
        for (int h = 0; h < heads; h++)                                        // (4) the same row for every KV head
            for (int j = 0; j < tokens; j++) out[h * tokens + j] = (float) row[j];
        return new Scores(out, heads, tokens);
    }
}
