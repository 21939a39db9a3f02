package lookm.bench.cli;

import lookm.spec.allocate.AllocationNames;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.PolicySpec;
import picocli.CommandLine.Option;

/** {@code --allocate SPEC}: how the budget is shared over heads or layers before selection (SPEC.md §3A). */
final class AllocationOptions {
    @Option(names = "--allocate", paramLabel = "SPEC", defaultValue = "uniform",
            description = "Budget allocation: uniform, adakv(alpha=0.2), pyramidkv(window=64,beta=20), layer-ratios(r0,r1,...), "
                    + "vlcache(threshold=0.01), meda. Default ${DEFAULT-VALUE}.")
    String allocate;

    AllocateSpec spec() {
        try {
            return AllocationNames.parse(allocate);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--allocate: " + e.getMessage(), e);
        }
    }

    /** The policy with this allocation. @throws IllegalArgumentException naming the option and the policy */
    PolicySpec apply(PolicySpec policy) {
        AllocateSpec spec = spec();
        if (spec instanceof AllocateSpec.Uniform) return policy;
        try {
            return policy.withAllocation(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--allocate " + allocate + ": " + e.getMessage(), e);
        }
    }
}
