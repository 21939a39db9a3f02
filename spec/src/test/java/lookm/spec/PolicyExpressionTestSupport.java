package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicyExpressionException;

/** Asserting that an expression is refused with a message naming what. */
final class PolicyExpressionTestSupport {
    private PolicyExpressionTestSupport() {}

    static void rejects(String expression, String... inMessage) {
        PolicyExpressionException e = assertThrows(PolicyExpressionException.class, () -> Policies.parse(expression));
        for (String s : inMessage) assertTrue(e.getMessage().contains(s), () -> "message '" + e.getMessage() + "' lacks '" + s + "'");
    }
}
