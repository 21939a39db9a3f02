package lookm.spec.invariant;

import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.TokenLayout;

/** The kept count per head that SPEC.md §3 prescribes for each selection (same for every head). */
public final class ExpectedKept {
    private ExpectedKept() {}

    /** |kept_h| for a layer with this layout and budget. */
    public static int count(SelectSpec select, TokenLayout layout, Budget budget) {
        int tokens = layout.size();
        Budget.Resolved b = budget.resolve(tokens);
        if (select instanceof SelectSpec.KeepAll || b.coversCache()) return tokens;                 // identity
        if (select instanceof SelectSpec.TopK || select instanceof SelectSpec.Streaming) return b.total();   // C = N + R
        if (select instanceof SelectSpec.TextPrior tp) {
            if (tp.mode() == TextPriorMode.BUDGETED) return b.total();                              // N + R
            int textOutsideWindow = layout.textCount(0, b.recentStart());
            return b.recent() + Math.max(textOutsideWindow, b.heavy());                             // R + max(N_text, N)
        }
        throw new IllegalArgumentException("no kept-count formula for " + select);
    }
}
