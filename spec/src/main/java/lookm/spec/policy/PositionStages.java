package lookm.spec.policy;

import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * Stages that read no keys, values or scores, only positions: nothing for a device to do, so an accelerated backend
 * runs these on the host instead of keeping host-only twins of its own. The reference keeps its own readable classes
 * (score.NoScore, select.KeepAllSelect, select.StreamingSelect) as the oracle they are compared with.
 */
public final class PositionStages {
    private PositionStages() {}

    /** SPEC.md §2.5: all-zero scores (H, T). */
    public static Scorer none() { return (block, observation, budget) -> Scores.zeros(block.heads(), block.tokens()); }

    /** SPEC.md §3.1: every position of every head. */
    public static Selector keepAll() { return (scores, layout, budget) -> Selection.all(scores.heads(), scores.tokens()); }

    /** SPEC.md §3.4: the first S' = min(S, C) positions and the last C − S', the same for every head. */
    public static Selector streaming(int sinkTokens) {
        new SelectSpec.Streaming(sinkTokens);                              // validates sinkTokens >= 0
        return (scores, layout, budget) -> {
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
        };
    }
}
