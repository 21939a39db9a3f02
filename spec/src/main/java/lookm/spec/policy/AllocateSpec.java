package lookm.spec.policy;

import java.util.List;

/**
 * How the budget is shared out before selection (SPEC.md §3A): over the heads of a layer, over the layers of a model,
 * or not at all. The allocation stage sits between score and select; it turns the requested budget C and the scores
 * into a kept count C_h per KV head, which the selector then honours. Runs on the host, shared by every backend.
 */
public sealed interface AllocateSpec {
    /** Every head of every layer keeps the requested C (what every policy did before allocation existed). */
    record Uniform() implements AllocateSpec {
        @Override public String toString() { return "uniform"; }
    }

    /**
     * AdaKV (Feng et al., arXiv 2407.11550; kvpress {@code AdaKVPress}): one top-(H·C) over every (head, position) of
     * the layer, each head first keeping its ⌊α·C⌋ best (the safeguard) and the positions its selector always keeps.
     *
     * @param alpha safeguard share α in [0, 1] (kvpress's {@code alpha_safeguard}, default 0.2)
     */
    record HeadAdaptive(double alpha) implements AllocateSpec {
        public HeadAdaptive {
            if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("adakv alpha must be in [0, 1], was " + alpha);
        }

        @Override public String toString() { return "adakv(alpha=" + alpha + ")"; }
    }

    /**
     * PyramidKV (Cai et al., arXiv 2406.02069; kvpress {@code PyramidKVPress}, from KVCache-Factory): layer l of L keeps
     * a count falling linearly from the bottom layer to the top one, the mean over layers being the requested C.
     *
     * @param window W, the observation window the pyramid's floor protects (kvpress default 64), >= 0
     * @param beta   β > 0, the ratio of the mean budget to the top layer's budget before clamping (kvpress default 20)
     */
    record Pyramid(int window, double beta) implements AllocateSpec {
        public Pyramid {
            if (window < 0) throw new IllegalArgumentException("pyramidkv window must be >= 0, was " + window);
            if (!(beta > 0) || Double.isInfinite(beta)) throw new IllegalArgumentException("pyramidkv beta must be finite and > 0, was " + beta);
        }

        @Override public String toString() { return "pyramidkv(window=" + window + ",beta=" + beta + ")"; }
    }

    /**
     * Given per-layer budgets (kvpress {@code PerLayerCompressionPress}): layer l keeps C_l = ⌊T·ρ_l⌋ per head; the
     * requested budget's R is kept as the recent window when it fits.
     *
     * @param ratios ρ_l in [0, 1], one per layer of the model
     */
    record LayerRatios(List<Double> ratios) implements AllocateSpec {
        public LayerRatios {
            if (ratios == null || ratios.isEmpty()) throw new IllegalArgumentException("layer ratios must list at least one layer");
            ratios = List.copyOf(ratios);
            for (int l = 0; l < ratios.size(); l++) {
                double r = ratios.get(l);
                if (!(r >= 0 && r <= 1)) throw new IllegalArgumentException("layer ratio of layer " + l + " must be in [0, 1], was " + r);
            }
        }

        @Override public String toString() {
            StringBuilder s = new StringBuilder("layer-ratios(");
            for (int l = 0; l < ratios.size(); l++) s.append(l > 0 ? "," : "").append(ratios.get(l));
            return s.append(')').toString();
        }
    }

    /**
     * VL-Cache-like (Tu et al., arXiv 2410.23317, §4.2 "sparsity-aware cache budget allocation"): layer budgets in
     * proportion to each layer's attention density 1 − sparsity, measured on the prefill window queries in a first
     * pass over the trace; a probability counts as sparse below {@code threshold} × its row's maximum.
     *
     * @param threshold τ in (0, 1) (VL-Cache uses 1 %)
     */
    record SparsityAware(double threshold) implements AllocateSpec {
        public SparsityAware {
            if (!(threshold > 0 && threshold < 1)) throw new IllegalArgumentException("vlcache threshold must be in (0, 1), was " + threshold);
        }

        @Override public String toString() { return "vlcache(threshold=" + threshold + ")"; }
    }

    /**
     * MEDA-like (Wan et al., arXiv 2502.17599, §3.2 "cross-modal attention entropy"): layer budgets in proportion to
     * the mean normalised entropy of the prefill window queries' attention, measured in a first pass over the trace.
     *
     * @param crossModal true: the entropy of the attention over the image positions only, renormalised there (MEDA's
     *                   cross-modal entropy, the default); false: over every visible position
     */
    record EntropyAware(boolean crossModal) implements AllocateSpec {
        /** The cross-modal entropy (MEDA's). */
        public EntropyAware() { this(true); }

        @Override public String toString() { return crossModal ? "meda" : "meda(cross=0)"; }
    }

    /** Whether the allocation needs a first pass over every layer of the trace (a {@code LayerContext} profile). */
    default boolean needsProfile() { return this instanceof SparsityAware || this instanceof EntropyAware; }

    /** Whether the allocation needs the layer index and layer count. */
    default boolean needsLayer() { return !(this instanceof Uniform || this instanceof HeadAdaptive); }
}
