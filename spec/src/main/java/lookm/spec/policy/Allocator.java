package lookm.spec.policy;

import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/** How many positions each KV head keeps. Step 2 of a policy, between score and select; never reads keys or values. */
public interface Allocator {
    /**
     * @param scores (H, T). Not modified.
     * @param layout modality per position, size T
     * @param budget the requested N and R
     * @param layer  where the layer sits in the model (index, count, first-pass profile)
     */
    Allocation allocate(Scores scores, TokenLayout layout, Budget budget, LayerContext layer);
}
