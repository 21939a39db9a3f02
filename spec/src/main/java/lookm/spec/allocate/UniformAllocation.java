package lookm.spec.allocate;

import lookm.spec.policy.Allocator;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/** SPEC.md §3A.1: every head keeps the requested budget; the selector runs exactly as without an allocation stage. */
final class UniformAllocation implements Allocator {
    @Override public Allocation allocate(Scores scores, TokenLayout layout, Budget budget, LayerContext layer) {
        return Allocation.uniform(scores.heads(), scores.tokens(), budget);
    }
}
