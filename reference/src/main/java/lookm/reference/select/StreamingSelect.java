package lookm.reference.select;

import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/** StreamingLLM (SPEC.md §3.4): the first S' = min(S, C) positions and the last C − S'. Recent-only is S = 0. */
public final class StreamingSelect implements Selector {
    private final int sinkTokens;

    public StreamingSelect(int sinkTokens) { this.sinkTokens = sinkTokens; }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int tokens = scores.tokens();
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Selection.all(scores.heads(), tokens);
        int sinks = Math.min(sinkTokens, b.total());
        int[] kept = Ranges.union(Ranges.range(0, sinks), Ranges.range(tokens - (b.total() - sinks), tokens));
        int[][] perHead = new int[scores.heads()][];
        java.util.Arrays.fill(perHead, kept);
        return new Selection(perHead, tokens);
    }
}
