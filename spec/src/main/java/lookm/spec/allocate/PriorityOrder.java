package lookm.spec.allocate;

import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.TokenLayout;

/**
 * The order in which a budget-exact selection adds positions as its budget grows (SPEC.md §3A.2): first the positions
 * it always keeps (sinks, window), then by tier (text before image for the text prior), then by {@code KeepOrder}.
 * Because TopK and the budgeted text prior are nested in their budget (I8), keeping the first C_h positions of this
 * order is exactly what the selector keeps at C_h.
 */
final class PriorityOrder {
    /** Tier of a position that the selection keeps at any budget it can be given. */
    static final int PROTECTED = -1;

    private final SelectSpec select;

    private PriorityOrder(SelectSpec select) { this.select = select; }

    /** @throws IllegalArgumentException for selections that ignore scores or keep more than their budget */
    static PriorityOrder of(SelectSpec select) {
        boolean exact = select instanceof SelectSpec.TopK
                || (select instanceof SelectSpec.TextPrior tp && tp.mode() == TextPriorMode.BUDGETED);
        if (!exact)
            throw new IllegalArgumentException("adakv shares a layer's budget by score, so it needs a selection that ranks by score and keeps"
                    + " exactly its budget (TopK or the budgeted text prior), not " + select);
        return new PriorityOrder(select);
    }

    /**
     * Tier per position for a layer of T tokens at the requested budget: {@link #PROTECTED} for the positions every head
     * keeps, then 0 (and 1 for image positions under the text prior); lower tiers come first.
     */
    int[] tiers(TokenLayout layout, Budget budget, int tokens) {
        Budget.Resolved b = budget.resolve(tokens);
        int[] tier = new int[tokens];
        if (select instanceof SelectSpec.TopK t) {
            // TopK (§3.2): the window [T − W, T) and the sinks [0, S') are kept at every budget ≥ C
            int window = t.window().length(b.total(), b.recent());
            int sinks = Math.min(t.sinkTokens(), Math.min(b.total() - window, tokens - window));
            for (int j = 0; j < sinks; j++) tier[j] = PROTECTED;
            for (int j = tokens - window; j < tokens; j++) tier[j] = PROTECTED;
        } else {
            // budgeted text prior (§3.3): the recent window, then text before image
            for (int j = 0; j < tokens; j++) tier[j] = j >= b.recentStart() ? PROTECTED : layout.isImage(j) ? 1 : 0;
        }
        return tier;
    }
}
