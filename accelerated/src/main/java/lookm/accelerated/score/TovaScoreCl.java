package lookm.accelerated.score;

import lookm.accelerated.cl.ClContext;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.TovaScore}: (1) the last query's softmax over all T keys, summed per
 * group (causal_column_sums.cl), (2) summed over every KV head and ÷ Hq, (3) the last token padded with max + 1 and
 * (4) the same row for every KV head (kvpress_pad.cl).
 */
public final class TovaScoreCl implements Scorer {
    private final ClContext cl;

    public TovaScoreCl(ClContext cl) { this.cl = cl; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), heads = block.heads();
        Queries last = observation.requirePrefillSuffix(block, 1, "TOVA");
        // (1) Σ_{h ∈ g} softmax_j(q_{h,T−1}·k_j/√D)                           (H, T)
        float[] sums = CausalColumnSumsCl.perKvHead(cl, block, last.data(), last.queryHeads(), last.positions());
        // (2)-(4) every output row sums all H group rows, ÷ Hq; position T − 1 scores max + 1
        float[] out = KvpressPad.apply(cl, sums, heads, heads, heads, tokens, tokens - 1, 1f / last.queryHeads());
        return new Scores(out, heads, tokens);
    }
}
