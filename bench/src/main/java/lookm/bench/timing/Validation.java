package lookm.bench.timing;

import lookm.spec.invariant.Agreement;
import lookm.spec.policy.Compressor;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;

/**
 * Validate first, then time: a candidate's compression of a layer is compared with the reference's by the one
 * agreement rule ({@link Agreement}, SPEC.md §6.1), the same rule the property suite and the equivalence tests use.
 */
public final class Validation {
    private Validation() {}

    /** Runs both compressors ({@link Compressor#run}) and applies the agreement rule. */
    public static Agreement of(Compressor reference, Compressor candidate, KvBlock block, Observation observation, Budget budget) {
        return compare(candidate, block, reference.run(block, observation, budget), candidate.run(block, observation, budget));
    }

    /** The agreement rule on two runs of {@code candidate}'s policy. */
    public static Agreement compare(Compressor candidate, KvBlock block, Compressor.Stages reference, Compressor.Stages got) {
        return Agreement.of(candidate.policy(), block, reference, got);
    }
}
