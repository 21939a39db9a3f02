package lookm.spec.allocate;

import java.util.Arrays;
import lookm.spec.policy.Selector;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * Runs any selector under an allocation (SPEC.md §3A): uniform, the selector as it is; one count for the whole layer,
 * one call with that count's budget; ragged counts, one call per head on that head's scores. Selection is per head
 * for every selector (§3), so running a head alone keeps the same positions it would keep among the others.
 */
public final class AllocatedSelection {
    private AllocatedSelection() {}

    public static Selection select(Selector selector, Scores scores, TokenLayout layout, Budget budget, Allocation allocation) {
        int heads = scores.heads(), tokens = scores.tokens();
        if (allocation.heads() != heads || allocation.tokens() != tokens)
            throw new IllegalArgumentException(allocation + " does not fit scores (H=" + heads + ", T=" + tokens + ")");
        if (allocation.uniform()) return selector.select(scores, layout, budget);
        if (allocation.equalCounts()) return selector.select(scores, layout, Allocation.headBudget(budget, tokens, allocation.count(0)));
        int[][] kept = new int[heads][];
        for (int h = 0; h < heads; h++) {
            Scores head = new Scores(Arrays.copyOfRange(scores.values(), h * tokens, (h + 1) * tokens), 1, tokens);
            kept[h] = selector.select(head, layout, Allocation.headBudget(budget, tokens, allocation.count(h))).kept(0);
        }
        return new Selection(kept, tokens);
    }
}
