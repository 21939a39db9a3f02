package lookm.properties.contract;

import lookm.spec.invariant.Agreement;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;

/**
 * Candidate backend vs reference on one layer (property 1): the spec's one agreement rule ({@link Agreement}, SPEC.md
 * §6.1), the same rule bench validation and the equivalence tests use, as a {@link Verdict}.
 */
public final class Equivalence {
    private Equivalence() {}

    /** A policy: both runs' stages are known, so the kept-set rule can be exact where it must. */
    public static Verdict compare(PolicySpec policy, KvBlock block, Compressor.Stages reference, Compressor.Stages candidate) {
        return Agreement.of(policy, block, reference, candidate).verdict();
    }

    /** A variant known only by its outputs ({@link Agreement#ofLayers}). */
    public static Verdict compare(KvBlock block, CompressedLayer reference, CompressedLayer candidate) {
        return Agreement.ofLayers(block, reference, candidate).verdict();
    }
}
