package lookm.spec.policy;

import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/** Folds evicted tokens into survivors (or drops them) and gathers the compressed K/V. Step 3 of a policy. */
public interface Merger {
    /**
     * @param block     (H, T, D). Not modified.
     * @param selection kept positions per head
     * @return per head (C, D) keys and values plus the merge bookkeeping
     */
    CompressedLayer merge(KvBlock block, Selection selection);
}
