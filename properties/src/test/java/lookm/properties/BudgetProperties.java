package lookm.properties;

import lookm.properties.contract.PolicyProperties;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.reference.ReferenceBackend;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 2, every registered policy on the reference: kept count per head = the policy's SPEC formula
 * (released text prior R + max(N_text, N), budgeted N + R, H2O N + R, …), never more than T, recent window and
 * sinks kept, kept and evicted partition the cache; what is ranked freely follows KeepOrder.
 */
@ExtendWith(ReplayExtension.class)
class BudgetProperties {
    static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void keptCountFollowsThePolicyFormulaAndProtectedTokensSurvive(String policy) {
        PolicyProperties.budget(REFERENCE, policy, Limits.DEFAULT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void noEvictedTokenRanksBeforeAKeptOne(String policy) {
        PolicyProperties.selectionOrder(REFERENCE, policy, Limits.DEFAULT);
    }
}
