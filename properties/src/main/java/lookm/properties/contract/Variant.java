package lookm.properties.contract;

import lookm.spec.policy.Backend;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Merger;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;

/** A policy under test on one backend: the only thing the contract and the properties call. */
@FunctionalInterface
public interface Variant {
    /**
     * A {@link Compressor} needs a {@link PolicySpec}, and the sealed specs cannot name a scorer that is not registered
     * yet; this placeholder stands in for a variant built from its own stages. Only {@code compress} is ever called.
     */
    PolicySpec CUSTOM_STAGES = new PolicySpec("custom-stages", "a variant under test built from its own stages (not registered)",
            new ScoreSpec.None(), new SelectSpec.KeepAll(), new MergeSpec.Drop(), "");

    /** Compresses one layer, as {@link Compressor#compress}. */
    CompressedLayer compress(KvBlock block, Observation observation, Budget budget);

    /** A registered policy on a backend. */
    static Variant of(Backend backend, PolicySpec policy) {
        return backend.compressor(policy)::compress;
    }

    /** A new variant made of its own stages, composed by spec's {@link Compressor} (the one place stages are chained). */
    static Variant of(Scorer scorer, Selector selector, Merger merger) {
        return new Compressor(CUSTOM_STAGES, scorer, selector, merger)::compress;
    }
}
