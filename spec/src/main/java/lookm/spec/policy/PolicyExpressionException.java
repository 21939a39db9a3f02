package lookm.spec.policy;

/** A policy expression that does not parse or names a bad parameter; the message names what, its value and what is allowed. */
public final class PolicyExpressionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PolicyExpressionException(String expression, String problem) {
        super("policy expression '" + expression + "': " + problem);
    }
}
