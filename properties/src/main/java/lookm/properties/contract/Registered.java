package lookm.properties.contract;

import java.util.List;
import java.util.stream.Stream;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.SelectSpec;

/** Sources of registered policy names for parameterized properties ({@code @MethodSource("lookm.properties.contract.Registered#policies")}). */
public final class Registered {
    private Registered() {}

    /** Every policy of spec's registry, by name. */
    public static Stream<String> policies() { return Policies.names().stream(); }

    /** Policies whose selection is a text prior (released or budgeted). */
    public static Stream<String> textPriorPolicies() {
        return Policies.all().stream().filter(p -> p.select().textRanksFirst()).map(PolicySpec::name);
    }

    /** Policies whose selection has a top-N cut (TopK or a text prior), where the tie order decides. */
    public static Stream<String> cutPolicies() {
        return Policies.all().stream().filter(p -> p.select() instanceof SelectSpec.TopK || p.select() instanceof SelectSpec.TextPrior).map(PolicySpec::name);
    }

    /** Policies whose evicted tokens are merged, not dropped. */
    public static Stream<String> mergingPolicies() {
        return Policies.all().stream().filter(p -> p.merge().mergesEvicted()).map(PolicySpec::name);
    }

    /**
     * Policies whose scores do not depend on the head's index, so that permuting heads permutes outputs. The random
     * policy is excluded by design: its scores hash (seed, head, token).
     */
    public static Stream<String> headSymmetricPolicies() {
        return Policies.all().stream().filter(p -> !p.score().dependsOnHeadIndex()).map(PolicySpec::name);
    }

    /** Policies scored by accumulated attention (their scores can also be recomputed from the prefill queries). */
    public static Stream<String> accumulatedAttentionPolicies() {
        return Policies.all().stream().filter(p -> !p.withScoreSource(lookm.spec.policy.ScoreSource.RECOMPUTED).equals(p)).map(PolicySpec::name);
    }

    /**
     * Policies an AdaKV allocation can serve (SPEC.md §3A.2): selections that rank by score and keep exactly their
     * budget (TopK, the budgeted text prior); the released text prior and score-free selections are refused.
     */
    public static Stream<String> headAdaptivePolicies() {
        return Policies.all().stream().filter(p -> p.select() instanceof SelectSpec.TopK
                || (p.select() instanceof SelectSpec.TextPrior tp && tp.mode() == lookm.spec.policy.TextPriorMode.BUDGETED)).map(PolicySpec::name);
    }

    /**
     * {@link #headAdaptivePolicies} whose scores every backend computes bit for bit: AdaKV's one cut over the layer turns a
     * float32 near-tie between two heads' recomputed scores into a count moved between heads, so kept sets are compared
     * exactly only from identical scores (SPEC.md §6).
     */
    public static Stream<String> headAdaptivePoliciesWithIdenticalScores() {
        return headAdaptivePolicies().filter(n -> Policies.named(n).score().bitIdenticalAcrossBackends());
    }

    /** Names, for messages. */
    public static List<String> names() { return Policies.names(); }
}
