package lookm.spec.policy;

import lookm.spec.plugin.Plugins;

/**
 * A backend interprets the policy data. Implementations handle every variant of the sealed specs or refuse it
 * with {@link UnsupportedVariantException}; they never fall back silently. {@link #supports} says beforehand which
 * stages a backend lacks (plugin stages without an implementation for it), so registry-driven suites and the app
 * skip such pairs visibly, with the reason, instead of failing mid-run.
 */
public interface Backend extends AutoCloseable {
    /** Short name, e.g. "reference" or "opencl"; plugins key their implementations by it. */
    String name();

    /** Human-readable device description, e.g. "JVM (EJML, double)" or an OpenCL device name. */
    String device();

    Scorer scorer(ScoreSpec spec);

    Selector selector(SelectSpec spec);

    Merger merger(MergeSpec spec);

    /** Whether a backend runs a stage; a refusal says why. */
    record Support(boolean supported, String reason) {
        public static final Support YES = new Support(true, "");

        public Support {
            if (reason == null || !supported && reason.isBlank()) throw new IllegalArgumentException("a refusal needs a reason");
        }

        public static Support no(String reason) { return new Support(false, reason); }
    }

    /** Every built-in variant is supported by every backend (completeness test); a plugin stage where it has an implementation. */
    default Support supports(ScoreSpec spec) {
        return spec instanceof ScoreSpec.Custom c ? Plugins.support(Stage.SCORE, c.keyword(), name()) : Support.YES;
    }

    default Support supports(SelectSpec spec) {
        return spec instanceof SelectSpec.Custom c ? Plugins.support(Stage.SELECT, c.keyword(), name()) : Support.YES;
    }

    default Support supports(MergeSpec spec) {
        return spec instanceof MergeSpec.Custom c ? Plugins.support(Stage.MERGE, c.keyword(), name()) : Support.YES;
    }

    /** Whether every stage of {@code policy} runs here; the first refusal, naming the stage, otherwise. */
    default Support supports(PolicySpec policy) {
        Support[] stages = {supports(policy.score()), supports(policy.select()), supports(policy.merge())};
        for (int i = 0; i < stages.length; i++)
            if (!stages[i].supported())
                return Support.no("backend '" + name() + "' lacks the " + Stage.values()[i].keyword() + " stage of " + policy.name() + ": " + stages[i].reason());
        return Support.YES;
    }

    /**
     * The policy's stages on this backend, composed by {@link Compressor}.
     *
     * @throws UnsupportedVariantException when {@link #supports(PolicySpec)} refuses, with its reason
     */
    default Compressor compressor(PolicySpec policy) {
        Support s = supports(policy);
        if (!s.supported()) throw new UnsupportedVariantException(policy.name(), name(), s.reason());
        return new Compressor(policy, scorer(policy.score()), scopedSelector(policy), merger(policy.merge()));
    }

    /**
     * The policy's selector; under a non-global budget scope (SPEC.md §3B) wrapped so that this backend's own inner
     * selection runs inside each group of the scope (the groups and their shares are computed on the host).
     */
    default Selector scopedSelector(PolicySpec policy) {
        Selector selector = selector(policy.select());
        if (policy.scope().global()) return selector;
        return new lookm.spec.allocate.ScopedSelection(policy.scope(), policy.select(), selector,
                selector(lookm.spec.allocate.BudgetScopes.innerSelection(policy.scope(), policy.select())));
    }

    /** Releases device resources; the default has none. */
    @Override default void close() {}
}
