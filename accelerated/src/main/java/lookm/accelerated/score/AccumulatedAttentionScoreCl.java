package lookm.accelerated.score;

import lookm.accelerated.cl.ClContext;
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
 * OpenCL twin of {@code lookm.reference.score.AccumulatedAttentionScore}. RECORDED: the spec's
 * {@link HeadGroups#aggregate} of the recorded column sums (H·T additions, the same float32 result as the
 * reference, so selections from recorded scores are identical). RECOMPUTED: {@link CausalColumnSumsCl} on the
 * device from all T prefill queries, steps (1)-(3).
 */
public final class AccumulatedAttentionScoreCl implements Scorer {
    private final ClContext cl;
    private final ScoreSource source;
    private final ScorePrecision precision;

    public AccumulatedAttentionScoreCl(ClContext cl, ScoreSpec.AccumulatedAttention spec) {
        this.cl = cl;
        this.source = spec.source();
        this.precision = spec.precision();
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        if (source == ScoreSource.RECORDED) {
            AccumulatedAttention a = observation.requireRecorded(block, "accumulated attention (recorded)");
            // (3) sum the query heads of each GQA group
            float[] perKvHead = new HeadGroups(a.queryHeads(), block.heads()).aggregate(a.values(), a.tokens());
            return precision.apply(new Scores(perKvHead, block.heads(), block.tokens()));     // (4) in the spec's precision (host)
        }
        Queries q = observation.requirePrefillSuffix(block, block.tokens(), "accumulated attention (recomputed)");
        // (1)-(3) causal column sums of all T prefill rows, summed over each group
        // (4) in the spec's precision: BF16 rounds on the host, the same spec function as the reference
        return precision.apply(new Scores(CausalColumnSumsCl.perKvHead(cl, block, q.data(), q.queryHeads(), q.positions()), block.heads(), block.tokens()));
    }
}
