package lookm.reference.select;

import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/** Full cache: every position of every head. */
public final class KeepAllSelect implements Selector {
    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        return Selection.all(scores.heads(), scores.tokens());
    }
}
