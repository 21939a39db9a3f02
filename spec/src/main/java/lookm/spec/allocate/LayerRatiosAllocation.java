package lookm.spec.allocate;

import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Allocator;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/** Given per-layer budgets (SPEC.md §3A.4): every head of layer l keeps C_l = ⌊T·ρ_l⌋. */
final class LayerRatiosAllocation implements Allocator {
    private final AllocateSpec.LayerRatios spec;

    LayerRatiosAllocation(AllocateSpec.LayerRatios spec) { this.spec = spec; }

    @Override public Allocation allocate(Scores scores, TokenLayout layout, Budget budget, LayerContext layer) {
        if (layer.layers() != spec.ratios().size())
            throw new IllegalArgumentException("layer-ratios lists " + spec.ratios().size() + " layers, the model has " + layer.layers());
        int tokens = scores.tokens();
        // (1) C_l = floor(T · ρ_l)   (float64 product, truncation, as Budget.Ratios)
        int count = (int) Math.floor((double) tokens * spec.ratios().get(layer.layer()));
        return Allocation.perLayer(scores.heads(), tokens, count);
    }
}
