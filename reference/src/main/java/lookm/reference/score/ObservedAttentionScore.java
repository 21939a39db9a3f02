package lookm.reference.score;

import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * kvpress ObservedAttentionPress (SPEC.md §2.6.1): S_g[j] = (1/G)·Σ_{h ∈ g} a_h[j] / (T − j), the column sums of the
 * causal prefill attention divided by the number of queries that can see position j, averaged over the GQA group.
 * Unlike H2O (§2.1) the late tokens are not penalised for being seen by fewer queries.
 */
public final class ObservedAttentionScore implements Scorer {
    private final ScoreSource source;

    public ObservedAttentionScore(ScoreSource source) { this.source = source; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), heads = block.heads();
        double[] groupSums = new double[heads * tokens];
        int group;
        if (source == ScoreSource.RECORDED) {
            AccumulatedAttention a = observation.requireRecorded(block, "observed attention (recorded)");
            group = new HeadGroups(a.queryHeads(), heads).groupSize();
            // (1) Σ_{h ∈ g} a_h[j] from the recorded per-query-head column sums, in double
            for (int q = 0; q < a.queryHeads(); q++)
                for (int j = 0; j < tokens; j++) groupSums[(q / group) * tokens + j] += a.at(q, j);
        } else {
            var q = observation.requirePrefillSuffix(block, tokens, "observed attention (recomputed)");
            group = new HeadGroups(q.queryHeads(), heads).groupSize();
            // (1) the same sums recomputed from all T prefill queries (SPEC.md §2.1)
            float[] sums = AccumulatedAttentionScore.recompute(block, q);
            for (int i = 0; i < sums.length; i++) groupSums[i] = sums[i];
        }
        float[] out = new float[heads * tokens];
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < tokens; j++)
                // (2) S_g[j] = Σ_h a_h[j] / (G · (T − j)): T − j queries see position j
                out[h * tokens + j] = (float) (groupSums[h * tokens + j] / ((double) group * (tokens - j)));
        return new Scores(out, heads, tokens);
    }
}
