package lookm.spec.policy;

/** The three stages of a policy, in the order {@link Compressor} chains them. */
public enum Stage {
    SCORE, SELECT, MERGE;

    /** The stage's name in policy expressions: {@code score}, {@code select}, {@code merge}. */
    public String keyword() { return name().toLowerCase(java.util.Locale.ROOT); }
}
