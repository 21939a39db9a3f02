package lookm.spec.policy;

import lookm.spec.allocate.AllocatedSelection;
import lookm.spec.allocate.Allocators;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * The one place where a policy is composed: score → allocate → select → merge. Every backend builds its stages and
 * hands them here; nothing else chains them.
 */
public record Compressor(PolicySpec policy, Scorer scorer, Selector selector, Merger merger, Allocator allocator) {
    public Compressor {
        if (policy == null || scorer == null || selector == null || merger == null || allocator == null)
            throw new IllegalArgumentException("Compressor needs a policy, a scorer, a selector, a merger and an allocator");
    }

    /** The policy's own allocation ({@link PolicySpec#allocate()}), run on the host. */
    public Compressor(PolicySpec policy, Scorer scorer, Selector selector, Merger merger) {
        this(policy, scorer, selector, merger, Allocators.of(policy.allocate(), policy.select()));
    }

    /** Compresses a lone layer (no model around it: allocations across layers refuse it). */
    public CompressedLayer compress(KvBlock block, Observation observation, Budget budget) {
        return compress(block, observation, budget, LayerContext.single());
    }

    /** Compresses layer {@code layer} of a model. */
    public CompressedLayer compress(KvBlock block, Observation observation, Budget budget, LayerContext layer) {
        Scores scores = scorer.score(block, observation, budget);                                   // (1) score     (H, T)
        Allocation share = allocator.allocate(scores, block.layout(), budget, layer);              // (2) allocate  C_h per head
        Selection kept = AllocatedSelection.select(selector, scores, block.layout(), budget, share); // (3) select  kept per head
        return merger.merge(block, kept);                                                          // (4) merge     (H, C_h, D)
    }
}
