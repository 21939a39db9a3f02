package lookm.accelerated.select;

import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/** Twin of {@code lookm.reference.select.KeepAllSelect}: every position of every head (no device work). */
public final class KeepAllSelectCl implements Selector {
    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        return Selection.all(scores.heads(), scores.tokens());
    }
}
