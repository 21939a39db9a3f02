package lookm.reference.select;

import java.util.Arrays;
import lookm.spec.policy.Policies;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.policy.TieOrder;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.ScorePrecision;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * LOOK-M text-prior selection (paper §3.2; SPEC.md §3.3). RELEASED reproduces the authors' code, including
 * the float32 rounding of the −65516 penalty and the "keep every score ≥ 0" rule; BUDGETED keeps exactly
 * N + R with text ranked before images.
 */
public final class TextPriorSelect implements Selector {
    private final TextPriorMode mode;
    private final TieOrder ties;

    public TextPriorSelect(SelectSpec.TextPrior spec) {
        this.mode = spec.mode();
        this.ties = spec.ties();
    }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int tokens = scores.tokens();
        if (layout.size() != tokens)
            throw new IllegalArgumentException("text prior: layout covers " + layout.size() + " tokens, scores have T=" + tokens);
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Selection.all(scores.heads(), tokens);
        int[][] kept = new int[scores.heads()][];
        for (int h = 0; h < scores.heads(); h++) {
            float[] row = Arrays.copyOfRange(scores.values(), h * tokens, (h + 1) * tokens);
            kept[h] = mode == TextPriorMode.RELEASED ? released(row, scores.precision(), layout, b, h) : budgeted(row, layout, b);
        }
        return new Selection(kept, tokens);
    }

    /** Kept = {j ∈ Ω : text} ∪ top-N(b over Ω) ∪ W_R, with b = a − Λ·[image or window] in the scores' precision. */
    private int[] released(float[] a, ScorePrecision precision, TokenLayout layout, Budget.Resolved b, int head) {
        int tokens = a.length, recentStart = b.recentStart();
        // (1) b[j] = a[j] − Λ for image and window positions, rounded to the scores' precision as the original adds
        //     (float32; bfloat16 under BF16, where Λ itself becomes 65536)
        float[] adjusted = new float[tokens];
        for (int j = 0; j < tokens; j++) {
            if (a[j] < 0)
                throw new IllegalArgumentException("released text prior needs scores >= 0 (it keeps every adjusted score >= 0);"
                        + " head " + head + ", token " + j + " has " + a[j]);
            adjusted[j] = layout.isImage(j) || j >= recentStart ? precision.penalised(a[j], Policies.TEXT_PRIOR_PENALTY) : a[j];
        }
        // (2) S = top-N of b over Ω = [0, T − R), ties by the spec's order (text first, since text b >= 0 > image b)
        int[] top = ties.topk(adjusted, Ranges.range(0, recentStart), b.heavy());
        // (3) zero b on S and on the window; keep every j with b[j] >= 0
        for (int j : top) adjusted[j] = 0f;
        for (int j = recentStart; j < tokens; j++) adjusted[j] = 0f;
        int n = 0;
        int[] kept = new int[tokens];
        for (int j = 0; j < tokens; j++) if (adjusted[j] >= 0f) kept[n++] = j;
        return Arrays.copyOf(kept, n);
    }

    /** Kept = top-N of Ω ranked by (text before image, score descending, then the tie order) ∪ W_R. */
    private int[] budgeted(float[] a, TokenLayout layout, Budget.Resolved b) {
        int recentStart = b.recentStart();
        int[] text = new int[layout.textCount(0, recentStart)], image = new int[recentStart - text.length];
        for (int j = 0, t = 0, i = 0; j < recentStart; j++) {
            if (layout.isText(j)) text[t++] = j;
            else image[i++] = j;
        }
        // (1) text tokens first, by score, ties by the spec's order; (2) then image tokens for what is left of N
        int fromText = Math.min(b.heavy(), text.length);
        int[] topText = ties.topk(a, text, fromText);
        int[] topImage = ties.topk(a, image, b.heavy() - fromText);
        // (3) kept = top text ∪ top image ∪ window
        return Ranges.union(topText, topImage, Ranges.range(recentStart, a.length));
    }
}
