package lookm.spec.policy;

/** A backend refuses a variant explicitly (never a silent fallback). */
public final class UnsupportedVariantException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsupportedVariantException(Object variant, String backend) {
        super("backend '" + backend + "' does not support " + variant);
    }

    public UnsupportedVariantException(Object variant, String backend, String why) {
        super("backend '" + backend + "' does not support " + variant + ": " + why);
    }
}
