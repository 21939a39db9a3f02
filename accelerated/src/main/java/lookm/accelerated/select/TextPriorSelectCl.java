package lookm.accelerated.select;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.Selector;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * OpenCL twin of {@code lookm.reference.select.TextPriorSelect} (text_prior_select.cl, keep_order_top.cl).
 * RELEASED: b = a − 65516 in float32 on image and window positions, top-N of b over [0, T − R), then every
 * b >= 0; BUDGETED: top-N by (text first, score desc, position asc) plus the window. Same kept sets as the
 * reference given the same float32 scores.
 */
public final class TextPriorSelectCl implements Selector {
    private final ClContext cl;
    private final TextPriorMode mode;

    public TextPriorSelectCl(ClContext cl, TextPriorMode mode) {
        this.cl = cl;
        this.mode = mode;
    }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int tokens = scores.tokens(), heads = scores.heads();
        if (layout.size() != tokens)
            throw new IllegalArgumentException("text prior: layout covers " + layout.size() + " tokens, scores have T=" + tokens);
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Selection.all(heads, tokens);
        if (mode == TextPriorMode.RELEASED) requireNonNegative(scores);
        int recentStart = b.recentStart();
        try (ClBuffer s = cl.upload(scores.values());
             ClBuffer image = cl.upload(KeepOrderTopCl.imageMask(layout));
             ClBuffer keys = cl.allocate((long) heads * tokens * Long.BYTES)) {
            long[] perToken = {tokens, heads};
            if (mode == TextPriorMode.RELEASED) {
                // (1) b = a − Λ on image and window positions (float32)
                try (ClKernel rank = cl.program("select/text_prior_select", "").kernel("rank_keys_released")) {
                    rank.arg(s).arg(image).arg(tokens).arg(recentStart).arg(keys).launch(perToken, null);
                }
                // (2) S = top-N of b over [0, T − R);  (3) kept = S ∪ window ∪ {b >= 0}
                try (ClBuffer flags = KeepOrderTopCl.keepTop(cl, keys, heads, tokens, recentStart, b.heavy());
                     ClKernel rule = cl.program("select/text_prior_select", "").kernel("keep_released_rule")) {
                    rule.arg(s).arg(image).arg(tokens).arg(recentStart).arg(flags).launch(perToken, null);
                    return KeepOrderTopCl.toSelection(flags, heads, tokens);
                }
            }
            // (1)-(2) text first, then score, then position: one rank key; (3) ∪ window
            try (ClKernel rank = cl.program("select/text_prior_select", "").kernel("rank_keys_budgeted")) {
                rank.arg(s).arg(image).arg(tokens).arg(keys).launch(perToken, null);
            }
            try (ClBuffer flags = KeepOrderTopCl.keepTop(cl, keys, heads, tokens, recentStart, b.heavy())) {
                return KeepOrderTopCl.toSelection(flags, heads, tokens);
            }
        }
    }

    private static void requireNonNegative(Scores scores) {
        float[] a = scores.values();
        for (int i = 0; i < a.length; i++)
            if (a[i] < 0)
                throw new IllegalArgumentException("released text prior needs scores >= 0 (it keeps every adjusted score >= 0);"
                        + " head " + i / scores.tokens() + ", token " + i % scores.tokens() + " has " + a[i]);
    }
}
