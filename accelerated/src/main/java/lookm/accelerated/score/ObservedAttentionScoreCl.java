package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.ObservedAttentionScore}: (1) the group sums of the column sums (RECORDED:
 * the spec's {@link HeadGroups#aggregate}, as {@link AccumulatedAttentionScoreCl}; RECOMPUTED: {@link CausalColumnSumsCl}
 * on the device), (2) divided by G·(T − j) on the device (observed_attention_score.cl).
 */
public final class ObservedAttentionScoreCl implements Scorer {
    private final ClContext cl;
    private final ScoreSource source;

    public ObservedAttentionScoreCl(ClContext cl, ScoreSource source) {
        this.cl = cl;
        this.source = source;
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens();
        float[] groupSums;
        int queryHeads;
        if (source == ScoreSource.RECORDED) {
            AccumulatedAttention a = observation.requireRecorded(block, "observed attention (recorded)");
            queryHeads = a.queryHeads();
            groupSums = new HeadGroups(queryHeads, heads).aggregate(a.values(), tokens);                       // (1)
        } else {
            Queries q = observation.requirePrefillSuffix(block, tokens, "observed attention (recomputed)");
            queryHeads = q.queryHeads();
            groupSums = CausalColumnSumsCl.perKvHead(cl, block, q.data(), q.queryHeads(), q.positions());       // (1)
        }
        try (ClBuffer sums = cl.upload(groupSums); ClBuffer out = cl.allocateFloats((long) heads * tokens);
             ClKernel divide = cl.program("observed_attention_score", "").kernel("divide_by_visibility")) {
            // (2) S_g[j] = Σ_h a_h[j] / (G·(T − j))
            divide.arg(sums).arg(tokens).arg(queryHeads / heads).arg(out).launch(new long[] {tokens, heads}, null);
            return new Scores(out.readFloats(heads * tokens), heads, tokens);
        }
    }
}
