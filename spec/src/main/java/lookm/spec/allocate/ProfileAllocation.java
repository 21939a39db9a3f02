package lookm.spec.allocate;

import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Allocator;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/**
 * Layer budgets in proportion to a first-pass statistic per layer (SPEC.md §3A.5): VL-Cache-like (attention density)
 * and MEDA-like (attention entropy). The model's L·C is shared out by {@link Apportion#largestRemainder}, each layer
 * capped at T; every head of layer l keeps C_l.
 */
final class ProfileAllocation implements Allocator {
    private final AllocateSpec spec;

    ProfileAllocation(AllocateSpec spec) { this.spec = spec; }

    @Override public Allocation allocate(Scores scores, TokenLayout layout, Budget budget, LayerContext layer) {
        if (!layer.hasProfile() && layer.layers() > 1)
            throw new IllegalArgumentException(spec + " needs a first pass over every layer (a per-layer profile; replay and sweep compute it),"
                    + " but " + layer + " has none");
        int tokens = scores.tokens();
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Allocation.uniform(scores.heads(), tokens, budget);
        // (1) C_l = share of L·C in proportion to the profile w_l, capped at T
        long modelTotal = (long) layer.layers() * b.total();
        // (a lone layer without a profile takes the whole L·C = C)
        double[] profile = layer.hasProfile() ? layer.profile() : new double[] {1};
        int[] perLayer = Apportion.largestRemainder(profile, modelTotal, tokens);
        return Allocation.perLayer(scores.heads(), tokens, perLayer[layer.layer()]);
    }
}
