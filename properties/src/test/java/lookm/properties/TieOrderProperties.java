package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.properties.contract.PolicyProperties;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSpec;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 2 (tie orders), every policy with a top-N cut on the reference: ties=torch-cpu and ties=position select
 * identical sets whenever no tie straddles the cut, and with ties both are valid top-N sets. The generated recorded
 * attention has many exact ties, so for accumulated-attention policies some heads must differ (coverage).
 */
@ExtendWith(ReplayExtension.class)
class TieOrderProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#cutPolicies")
    void torchCpuAndPositionDifferOnlyByTiesAtTheCut(String policy) {
        int differing = PolicyProperties.tieOrders(new ReferenceBackend(), policy, Limits.DEFAULT);
        if (Policies.named(policy).score() instanceof ScoreSpec.AccumulatedAttention)
            assertTrue(differing > 0, policy + ": no generated case had a tie at the cut that the two orders broke differently");
    }
}
