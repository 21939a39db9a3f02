package lookm.properties;

import lookm.properties.contract.PolicyChecks;
import lookm.properties.contract.Require;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.spec.policy.Policies;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 2, every registered policy on the reference: kept count per head = the policy's SPEC formula
 * (released text prior R + max(N_text, N), budgeted N + R, H2O N + R, …), never more than T, recent window and
 * sinks kept, kept and evicted partition the cache.
 */
@ExtendWith(ReplayExtension.class)
class BudgetProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void keptCountFollowsThePolicyFormulaAndProtectedTokensSurvive(String policy) {
        Theories.check(1, CacheCases.any(Limits.DEFAULT), c ->
                Require.allHold(policy, PolicyChecks.budget(Policies.named(policy), c, ReferenceRuns.run(policy, c))));
    }
}
