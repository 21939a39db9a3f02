package lookm.spec.policy;

import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/** Which tokens survive, per head. Never reads keys or values. Step 2 of a policy. */
public interface Selector {
    /**
     * @param scores (H, T). Not modified.
     * @param layout modality per position, size T
     * @param budget N and R
     */
    Selection select(Scores scores, TokenLayout layout, Budget budget);
}
