package lookm.properties;

import lookm.properties.contract.PolicyProperties;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.reference.ReferenceBackend;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 5, every registered policy on the reference: a budget covering the cache changes nothing (bit for bit);
 * with absolute budgets and the same recent window, a larger heavy count keeps everything a smaller one keeps.
 */
@ExtendWith(ReplayExtension.class)
class IdentityAndMonotonicityProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void aBudgetCoveringTheCacheChangesNothing(String policy) {
        PolicyProperties.identity(new ReferenceBackend(), policy, Limits.DEFAULT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void aLargerHeavyCountKeepsEverythingASmallerOneKeeps(String policy) {
        PolicyProperties.nested(new ReferenceBackend(), policy, Limits.DEFAULT);
    }
}
