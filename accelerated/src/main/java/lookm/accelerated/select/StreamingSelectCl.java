package lookm.accelerated.select;

import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * Twin of {@code lookm.reference.select.StreamingSelect}: the first S' = min(S, C) positions and the last C − S'.
 * Positions only (no scores, no data), so there is nothing to put on the device: computed on the host.
 */
public final class StreamingSelectCl implements Selector {
    private final int sinkTokens;

    public StreamingSelectCl(int sinkTokens) { this.sinkTokens = sinkTokens; }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int tokens = scores.tokens();
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Selection.all(scores.heads(), tokens);
        // (1) S' = min(S, C) sinks, (2) the last C − S' positions, (3) their union, ascending
        int sinks = Math.min(sinkTokens, b.total()), recentStart = tokens - (b.total() - sinks);
        int[] kept = new int[b.total()];
        for (int i = 0; i < sinks; i++) kept[i] = i;
        for (int i = sinks; i < kept.length; i++) kept[i] = recentStart + (i - sinks);
        int[][] perHead = new int[scores.heads()][];
        java.util.Arrays.fill(perHead, kept);
        return new Selection(perHead, tokens);
    }
}
