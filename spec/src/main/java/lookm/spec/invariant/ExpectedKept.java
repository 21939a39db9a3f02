package lookm.spec.invariant;

import lookm.spec.policy.Policies;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/** The kept count per head that SPEC.md §3 prescribes for each selection. */
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
        int tokens = layout.size();
        Budget.Resolved b = budget.resolve(tokens);
        if (select instanceof SelectSpec.KeepAll || b.coversCache()) return tokens;                 // identity
        if (select instanceof SelectSpec.TopK || select instanceof SelectSpec.Streaming) return b.total();   // C = N + R
        if (select instanceof SelectSpec.TextPrior tp) {
            if (tp.mode() == TextPriorMode.BUDGETED) return b.total();                              // N + R
            return b.recent() + Math.max(nonNegativeAdjusted(layout, b, scores, head), b.heavy());  // R + max(P_h, N)
        }
        throw new IllegalArgumentException("no kept-count formula for " + select);
    }

    /** P_h: candidates whose released adjusted score fl32(a − Λ·[image]) is >= 0; N_text without scores. */
    private static int nonNegativeAdjusted(TokenLayout layout, Budget.Resolved b, Scores scores, int head) {
        if (scores == null) return layout.textCount(0, b.recentStart());
        int n = 0;
        for (int j = 0; j < b.recentStart(); j++) {
            float a = scores.at(head, j);
            if ((layout.isImage(j) ? scores.precision().penalised(a, Policies.TEXT_PRIOR_PENALTY) : a) >= 0f) n++;
        }
        return n;
    }
}
