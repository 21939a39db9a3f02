package lookm.spec.policy;

import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * The one place where a policy is composed: score → select → merge. Every backend builds its stages and
 * hands them here; nothing else chains them.
 */
public record Compressor(PolicySpec policy, Scorer scorer, Selector selector, Merger merger) {
    public Compressor {
        if (policy == null || scorer == null || selector == null || merger == null)
            throw new IllegalArgumentException("Compressor needs a policy, a scorer, a selector and a merger");
    }

    /** Compresses one layer. */
    public CompressedLayer compress(KvBlock block, Observation observation, Budget budget) {
        Scores scores = scorer.score(block, observation, budget);              // (1) score   (H, T)
        Selection kept = selector.select(scores, block.layout(), budget);     // (2) select  kept per head
        return merger.merge(block, kept);                                     // (3) merge   (H, C, D)
    }
}
