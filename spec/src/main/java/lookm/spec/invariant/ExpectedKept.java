package lookm.spec.invariant;

import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/** The kept count per head that SPEC.md §3 prescribes for each selection (each record states its own formula). */
public final class ExpectedKept {
    private ExpectedKept() {}

    /**
     * |kept_h| for a layer with this layout and budget, the same for every head. For the released text prior this is
     * R + max(N_text, N), which assumes every image score is below Λ = 65516 (always true when G·T < Λ, since a
     * KV head's accumulated attention is at most G·T); use {@link #count(SelectSpec, TokenLayout, Budget, Scores, int)}
     * when that is not known.
     */
    public static int count(SelectSpec select, TokenLayout layout, Budget budget) {
        return count(select, layout, budget, null, 0);
    }

    /**
     * |kept_h| for head {@code head} of {@code scores} (scores may be null except for an exact released text prior
     * count). Released text prior: R + max(P_h, N) with P_h = |{j ∈ Ω : b_h[j] ≥ 0}|, b_h as in SPEC.md §3.3; with
     * scores below Λ on images and non-negative on text, P_h = N_text.
     */
    public static int count(SelectSpec select, TokenLayout layout, Budget budget, Scores scores, int head) {
        Budget.Resolved b = budget.resolve(layout.size());
        return b.coversCache() ? layout.size() : select.keptCount(layout, b, scores, head);     // identity, else the record's formula
    }
}
