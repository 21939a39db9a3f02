package lookm.spec.allocate;

import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Allocator;
import lookm.spec.policy.SelectSpec;

/**
 * The allocation stage of every backend (SPEC.md §3A). Allocation reads only the float32 scores, the layout and the
 * budget, and costs O(H·T log T), so it runs on the host for the reference and the OpenCL backend alike: both get
 * the same counts from the same scores, hence the same kept sets.
 */
public final class Allocators {
    private Allocators() {}

    /**
     * The allocator of {@code spec} in front of the selection {@code select}.
     *
     * @throws IllegalArgumentException if the allocation cannot honour that selection (e.g. AdaKV over a selection
     *                                  that ignores scores or keeps more than its budget)
     */
    public static Allocator of(AllocateSpec spec, SelectSpec select) {
        if (spec instanceof AllocateSpec.Uniform) return new UniformAllocation();
        if (spec instanceof AllocateSpec.HeadAdaptive a) return new HeadAdaptiveAllocation(a, PriorityOrder.of(select));
        if (spec instanceof AllocateSpec.Pyramid p) return new PyramidAllocation(p);
        if (spec instanceof AllocateSpec.LayerRatios r) return new LayerRatiosAllocation(r);
        if (spec instanceof AllocateSpec.SparsityAware || spec instanceof AllocateSpec.EntropyAware) return new ProfileAllocation(spec);
        throw new IllegalArgumentException("no allocator for " + spec);
    }
}
