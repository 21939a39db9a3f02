package lookm.properties;

import lookm.properties.contract.Variant;
import lookm.properties.gen.CacheCase;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.CompressedLayer;

/** Registered policies on the reference backend, for the property classes. */
final class ReferenceRuns {
    static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private ReferenceRuns() {}

    static Variant variant(String policy) { return Variant.of(REFERENCE, Policies.named(policy)); }

    static CompressedLayer run(String policy, CacheCase c) { return variant(policy).compress(c.block(), c.observation(), c.budget()); }
}
