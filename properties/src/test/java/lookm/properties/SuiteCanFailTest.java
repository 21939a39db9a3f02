package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import lookm.properties.contract.CacheScript;
import lookm.properties.contract.PolicyProperties;
import lookm.properties.contract.StatefulCache;
import lookm.properties.contract.Variant;
import lookm.properties.contract.VariantContract;
import lookm.properties.gen.Limits;
import lookm.properties.qt.Theories;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import lookm.properties.qt.ReplayExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** The suite can fail: each deliberately broken backend or variant is reported, with its seed and a replay command. */
@ExtendWith(ReplayExtension.class)
class SuiteCanFailTest {
    @Test
    void aWrongTieRuleIsReportedByTheSelectionOrderProperty() {
        assertReported("keptRankBeforeEvicted", () -> PolicyProperties.selectionOrder(new BrokenBackends.WrongTieRule(), "h2o", Limits.DEFAULT));
    }

    @Test
    void anOffByOneWindowIsReportedByTheBudgetProperty() {
        assertReported("recentWindowKept", () -> PolicyProperties.budget(new BrokenBackends.OffByOneWindow(), "h2o", Limits.DEFAULT));
    }

    @Test
    void anIgnoredTextPriorIsReportedByTheTextRetentionProperty() {
        assertReported("textBeforeImage", () -> PolicyProperties.textRetention(new BrokenBackends.TextPriorIgnored(), "lookm-budgeted", Limits.DEFAULT));
    }

    @Test
    void anIgnoredReleasedTextPriorIsReportedByTheBudgetProperty() {
        assertReported("keptCountMatchesFormula", () -> PolicyProperties.budget(new BrokenBackends.TextPriorIgnored(), "lookm", Limits.DEFAULT));
    }

    @Test
    void anIgnoredBudgetScopeIsReportedByTheScopeProperty() {
        assertReported("budgetPerScopeRespected", () -> ScopeProperties.scopeInvariants(new BrokenBackends.ScopeIgnored(),
                Policies.parse("h2o scope=image"), 1));
    }

    @Test
    void droppedMergeWeightsAreReportedByTheMergeProperty() {
        assertReported("mergedRowsFollowFormula", () -> PolicyProperties.merge(new BrokenBackends.MergeWeightsDropped(), "h2o-pivot", Limits.DEFAULT));
    }

    @Test
    void aBackendThatDisagreesWithTheReferenceIsReportedByTheEquivalenceProperty() {
        assertReported("equivalentToReference", () -> PolicyProperties.equivalence(new ReferenceBackend(), new BrokenBackends.WrongTieRule(), "h2o",
                Limits.DEFAULT, 1));
    }

    @Test
    void aVariantThatKeepsOneTokenTooManyFailsTheContract() {
        Variant h2o = Variant.of(new ReferenceBackend(), Policies.named("h2o"));
        VariantContract greedy = () -> Map.of("reference", (block, observation, budget) -> {
            Budget.Resolved b = budget.resolve(block.tokens());
            return h2o.compress(block, observation, b.coversCache() ? budget : Budget.counts(b.heavy() + 1, b.recent()));
        });
        assertReported("keptAtMost", greedy::keepsAtMostTheBudget);
    }

    @Test
    void anAdaKvVariantThatKeepsOneTokenTooManyFailsTheLayerTotal() {
        Variant adakv = Variant.of(new ReferenceBackend(), Policies.named("h2o").withAllocation(new AllocateSpec.HeadAdaptive(0.2)));
        Variant h2o = Variant.of(new ReferenceBackend(), Policies.named("h2o"));
        VariantContract greedy = new VariantContract() {
            @Override public Map<String, Variant> variants() {
                return Map.of("reference", (block, observation, budget) -> {
                    Budget.Resolved b = budget.resolve(block.tokens());
                    return b.coversCache() ? adakv.compress(block, observation, budget)
                            : h2o.compress(block, observation, Budget.counts(b.heavy() + 1, b.recent()));
                });
            }

            @Override public AllocateSpec allocation() { return new AllocateSpec.HeadAdaptive(0.2); }
        };
        assertReported("layerKeptAtMost", greedy::keepsAtMostTheBudget);
    }

    @Test
    void aHeadBelowItsAdaKvFloorFailsTheContract() {
        Variant h2o = Variant.of(new ReferenceBackend(), Policies.named("h2o"));
        VariantContract starved = new VariantContract() {
            @Override public Map<String, Variant> variants() {
                return Map.of("reference", (block, observation, budget) -> {
                    Budget.Resolved b = budget.resolve(block.tokens());
                    return h2o.compress(block, observation, b.coversCache() || b.heavy() == 0 ? budget : Budget.counts(b.heavy() - 1, b.recent()));
                });
            }

            @Override public AllocateSpec allocation() { return new AllocateSpec.HeadAdaptive(1); }    // floor = C
        };
        assertReported("floorsHold", starved::keepsAtMostTheBudget);
    }

    @Test
    void aVariantThatDependsOnCallCountFailsTheDeterminismContract() {
        Variant[] both = {Variant.of(new ReferenceBackend(), Policies.named("h2o")), Variant.of(new ReferenceBackend(), Policies.named("recent"))};
        int[] calls = {0};
        VariantContract flaky = () -> Map.of("reference", (block, observation, budget) -> both[calls[0]++ % 2].compress(block, observation, budget));
        assertReported("identical", flaky::isDeterministicAcrossRunsAndThreads);
    }

    @Test
    void aBrokenWindowFailsTheStatefulScriptAndPrintsTheScript() {
        AssertionError failure = assertThrows(AssertionError.class, () -> Theories.check(StatefulCacheProperties.SCALE, CacheScript.draw(),
                script -> StatefulCache.run(script, new BrokenBackends.OffByOneWindow())));
        assertTrue(failure.getMessage().contains("VIOLATED") && failure.getMessage().contains("Replay: mvn "),
                () -> "expected a named violation and a replay command, got:\n" + failure.getMessage());
        assertTrue(failure.getMessage().contains("1. cache.text(") && failure.getMessage().contains(". cache.compress("),
                () -> "a stateful failure must print as a script, got:\n" + failure.getMessage());
    }

    private static void assertReported(String predicate, Executable property) {
        AssertionError failure = assertThrows(AssertionError.class, property, "the suite passed a deliberately broken implementation");
        String message = failure.getMessage();
        assertTrue(message.contains(predicate), () -> "expected a violation of " + predicate + ", got:\n" + message);
        assertTrue(message.contains("Seed: ") && message.contains("Replay: mvn ") && message.contains("-D" + Theories.SEED_PROPERTY + "="),
                () -> "a failure must print its seed and replay command, got:\n" + message);
    }
}
