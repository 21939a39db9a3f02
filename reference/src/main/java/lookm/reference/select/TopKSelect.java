package lookm.reference.select;

import java.util.Arrays;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * H2O-style selection (SPEC.md §3.2): the last W positions, plus the top C − W of [0, T − W) under the spec's
 * {@link lookm.spec.policy.TieOrder}, the first {@code sinkTokens} candidates ranking above all others (the original's +∞).
 */
public final class TopKSelect implements Selector {
    private final SelectSpec.TopK spec;

    public TopKSelect(SelectSpec.TopK spec) { this.spec = spec; }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int tokens = scores.tokens();
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Selection.all(scores.heads(), tokens);     // T ≤ N + R: nothing to compress
        // (1) W = window length, candidates Ω = [0, T − W), heavy count N' = C − W
        int window = spec.window().length(b.total(), b.recent());
        int candidates = tokens - window, heavy = b.total() - window;
        // (2) sinks: the first min(S, N', |Ω|) positions rank first (ties among sinks: lower position)
        int sinks = Math.min(spec.sinkTokens(), Math.min(heavy, candidates));
        int[] recent = Ranges.range(candidates, tokens);
        int[][] kept = new int[scores.heads()][];
        for (int h = 0; h < scores.heads(); h++) {
            float[] row = Arrays.copyOfRange(scores.values(), h * tokens, (h + 1) * tokens);
            // (3) sinks, then the top N' − sinks of the rest by score descending, ties by the spec's order
            int[] top = spec.ties().sinksThenTop(row, sinks, candidates, heavy);
            // (4) kept = sinks ∪ top ∪ window, ascending
            kept[h] = Ranges.union(top, recent);
        }
        return new Selection(kept, tokens);
    }
}
