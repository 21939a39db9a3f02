package lookm.properties;

import lookm.properties.contract.PolicyProperties;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.reference.ReferenceBackend;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 6, every registered policy on the reference: the same input gives bit-identical output across runs and
 * threads; permuting the KV heads (with their query-head groups) permutes the outputs (except the random policy,
 * whose scores hash the head index by design).
 */
@ExtendWith(ReplayExtension.class)
class DeterminismProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void theSameInputGivesBitIdenticalOutputAcrossRunsAndThreads(String policy) {
        PolicyProperties.determinism(new ReferenceBackend(), policy, Limits.DEFAULT, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#headSymmetricPolicies")
    void permutingHeadsPermutesTheOutputs(String policy) {
        PolicyProperties.headPermutation(new ReferenceBackend(), policy, Limits.DEFAULT);
    }
}
