package lookm.spec.policy;

/**
 * A backend interprets the policy data. Implementations handle every variant of the sealed specs or refuse it
 * with {@link UnsupportedVariantException}; they never fall back silently.
 */
public interface Backend extends AutoCloseable {
    /** Short name, e.g. "reference" or "opencl". */
    String name();

    /** Human-readable device description, e.g. "JVM (EJML, double)" or an OpenCL device name. */
    String device();

    Scorer scorer(ScoreSpec spec);

    Selector selector(SelectSpec spec);

    Merger merger(MergeSpec spec);

    /** The policy's stages on this backend, composed by {@link Compressor}. */
    default Compressor compressor(PolicySpec policy) {
        return new Compressor(policy, scorer(policy.score()), selector(policy.select()), merger(policy.merge()));
    }

    /** Releases device resources; the default has none. */
    @Override default void close() {}
}
