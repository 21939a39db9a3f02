package lookm.properties;

import lookm.properties.contract.PolicyProperties;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.reference.ReferenceBackend;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 4, every registered policy on the reference: each evicted token matches its most cosine-similar kept
 * token (exact ties to the lowest position), merged rows equal the SPEC formula within Tolerance.MERGE, kept rows
 * nothing merged into are unchanged bit for bit, and drop leaves every kept row bit-identical.
 */
@ExtendWith(ReplayExtension.class)
class MergeProperties {
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void evictedTokensMergeIntoTheirMostSimilarKeptTokenByTheSpecFormula(String policy) {
        PolicyProperties.merge(new ReferenceBackend(), policy, Limits.DEFAULT);
    }
}
