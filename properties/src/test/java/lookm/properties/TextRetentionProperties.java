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
 * Property 3, every text-prior policy: the released text prior keeps every text token outside the recent window;
 * no text prior keeps an image token outside the window while evicting a text token there.
 */
@ExtendWith(ReplayExtension.class)
class TextRetentionProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#textPriorPolicies")
    void textTokensOutsideTheWindowRankBeforeImageTokens(String policy) {
        Theories.check(1, CacheCases.any(Limits.DEFAULT), c ->
                Require.allHold(policy, PolicyChecks.textRetention(Policies.named(policy), c, ReferenceRuns.run(policy, c))));
    }
}
