package lookm.properties;

import java.util.List;
import lookm.properties.contract.PolicyChecks;
import lookm.properties.contract.Require;
import lookm.properties.gen.BudgetKind;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Draw;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.spec.invariant.Invariants;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 5, every registered policy: a budget covering the cache changes nothing (bit for bit); with absolute
 * budgets and the same recent window, the kept set of a smaller heavy count is contained in that of a larger one.
 */
@ExtendWith(ReplayExtension.class)
class IdentityAndMonotonicityProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void aBudgetCoveringTheCacheChangesNothing(String policy) {
        Theories.check(1, CacheCases.withBudgets(Limits.DEFAULT, List.of(BudgetKind.COVERING)), c ->
                Require.holds(policy, PolicyChecks.identityWhenCovering(Policies.named(policy), c, ReferenceRuns.run(policy, c))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void aLargerHeavyCountKeepsEverythingASmallerOneKeeps(String policy) {
        Theories.check(1, nestedBudgets(), pair -> {
            CacheCase smaller = pair.smaller(), larger = pair.larger();
            Require.holds(policy + ", " + smaller.budget() + " within " + larger.budget(), Invariants.nested(
                    ReferenceRuns.run(policy, smaller).selection(), ReferenceRuns.run(policy, larger).selection()));
        });
    }

    /** A case with counts (n1, R) and the same case with counts (n2, R), n1 <= n2. */
    record BudgetPair(CacheCase smaller, CacheCase larger) {
        @Override public String toString() { return smaller.describe() + "  larger budget " + larger.budget(); }
    }

    static Draw<BudgetPair> nestedBudgets() {
        return s -> {
            CacheCase c = CacheCases.withBudgets(Limits.DEFAULT, List.of(BudgetKind.RANDOM_COUNTS)).draw(s);
            int t = c.tokens(), recent = s.intBetween(0, t / 2), n1 = s.intBetween(0, t), n2 = s.intBetween(n1, t + 1);
            return new BudgetPair(c.withBudget(Budget.counts(n1, recent), BudgetKind.RANDOM_COUNTS),
                    c.withBudget(Budget.counts(n2, recent), BudgetKind.RANDOM_COUNTS));
        };
    }
}
