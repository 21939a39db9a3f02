package lookm.properties;

import lookm.properties.contract.PolicyProperties;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.reference.ReferenceBackend;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 3, every text-prior policy on the reference: the released text prior keeps every text token outside the
 * recent window; no text prior keeps an image token outside the window while evicting a text token there.
 */
@ExtendWith(ReplayExtension.class)
class TextRetentionProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#textPriorPolicies")
    void textTokensOutsideTheWindowRankBeforeImageTokens(String policy) {
        PolicyProperties.textRetention(new ReferenceBackend(), policy, Limits.DEFAULT);
    }
}
