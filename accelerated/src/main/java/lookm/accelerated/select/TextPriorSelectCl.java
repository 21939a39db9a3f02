package lookm.accelerated.select;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.Policies;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.policy.TieOrder;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.UnsupportedVariantException;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.ScorePrecision;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * OpenCL twin of {@code lookm.reference.select.TextPriorSelect} (text_prior_select.cl, keep_order_top.cl).
 * RELEASED: b = a − 65516 in float32 (bf16 scores: bf16(a − 65536)) on image and window positions, top-N of b over [0, T − R), then every
 * b >= 0; BUDGETED: top-N by (text first, score desc, position asc) plus the window. Same kept sets as the
 * reference given the same float32 scores. RELEASED under {@link TieOrder#TORCH_CPU}: step (2) runs on the host
 * ({@link TieOrder#topk}, the sequential libstdc++ order torch 1.13 leaves ties in) and its flags are uploaded for
 * step (3); BUDGETED under TORCH_CPU (no original class selects that way) is refused.
 */
public final class TextPriorSelectCl implements Selector {
    private final ClContext cl;
    private final TextPriorMode mode;
    private final TieOrder ties;

    public TextPriorSelectCl(ClContext cl, SelectSpec.TextPrior spec) {
        if (spec.mode() == TextPriorMode.BUDGETED && spec.ties() == TieOrder.TORCH_CPU)
            throw new UnsupportedVariantException(spec, "opencl", "the torch-cpu tie order is implemented for the released"
                    + " text prior (the original's topk); use ties=position for the budgeted reading");
        this.cl = cl;
        this.mode = spec.mode();
        this.ties = spec.ties();
    }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int tokens = scores.tokens(), heads = scores.heads();
        if (layout.size() != tokens)
            throw new IllegalArgumentException("text prior: layout covers " + layout.size() + " tokens, scores have T=" + tokens);
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Selection.all(heads, tokens);
        if (mode == TextPriorMode.RELEASED) requireNonNegative(scores);
        int recentStart = b.recentStart(), bf16 = scores.precision() == ScorePrecision.BF16 ? 1 : 0;
        try (ClBuffer s = cl.upload(scores.values());
             ClBuffer image = cl.upload(KeepOrderTopCl.imageMask(layout));
             ClBuffer keys = cl.allocate((long) heads * tokens * Long.BYTES)) {
            long[] perToken = {tokens, heads};
            if (mode == TextPriorMode.RELEASED) {
                // (1) b = a − Λ on image and window positions (float32, or bfloat16 for bf16 scores; TORCH_CPU: on the host)
                if (ties == TieOrder.POSITION)
                    try (ClKernel rank = cl.program("text_prior_select", "").kernel("rank_keys_released")) {
                        rank.arg(s).arg(image).arg(tokens).arg(recentStart).arg(bf16).arg(keys).launch(perToken, null);
                    }
                // (2) S = top-N of b over [0, T − R) (TORCH_CPU: on the host);  (3) kept = S ∪ window ∪ {b >= 0}
                try (ClBuffer flags = ties == TieOrder.TORCH_CPU ? cl.upload(torchCpuTopOnHost(scores, layout, recentStart, b.heavy()))
                             : KeepOrderTopCl.keepTop(cl, keys, heads, tokens, recentStart, b.heavy());
                     ClKernel rule = cl.program("text_prior_select", "").kernel("keep_released_rule")) {
                    rule.arg(s).arg(image).arg(tokens).arg(recentStart).arg(bf16).arg(flags).launch(perToken, null);
                    return KeepOrderTopCl.toSelection(flags, heads, tokens);
                }
            }
            // (1)-(2) text first, then score, then position: one rank key; (3) ∪ window
            try (ClKernel rank = cl.program("text_prior_select", "").kernel("rank_keys_budgeted")) {
                rank.arg(s).arg(image).arg(tokens).arg(keys).launch(perToken, null);
            }
            try (ClBuffer flags = KeepOrderTopCl.keepTop(cl, keys, heads, tokens, recentStart, b.heavy())) {
                return KeepOrderTopCl.toSelection(flags, heads, tokens);
            }
        }
    }

    /** RELEASED (1)-(2) under TORCH_CPU on the host: (H, T) flags of S ∪ window, as keep_top leaves them. */
    private static byte[] torchCpuTopOnHost(Scores scores, TokenLayout layout, int recentStart, int heavy) {
        int tokens = scores.tokens();
        byte[] flags = new byte[scores.heads() * tokens];
        int[] candidates = new int[recentStart];
        for (int j = 0; j < recentStart; j++) candidates[j] = j;
        float[] adjusted = new float[tokens];
        for (int h = 0; h < scores.heads(); h++) {
            for (int j = 0; j < tokens; j++) {
                float a = scores.at(h, j);
                adjusted[j] = layout.isImage(j) || j >= recentStart ? scores.precision().penalised(a, Policies.TEXT_PRIOR_PENALTY) : a;  // (1)
            }
            for (int j : TieOrder.TORCH_CPU.topk(adjusted, candidates, heavy)) flags[h * tokens + j] = 1;
            for (int j = recentStart; j < tokens; j++) flags[h * tokens + j] = 1;
        }
        return flags;
    }

    private static void requireNonNegative(Scores scores) {
        float[] a = scores.values();
        for (int i = 0; i < a.length; i++)
            if (a[i] < 0)
                throw new IllegalArgumentException("released text prior needs scores >= 0 (it keeps every adjusted score >= 0);"
                        + " head " + i / scores.tokens() + ", token " + i % scores.tokens() + " has " + a[i]);
    }
}
