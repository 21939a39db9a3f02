package lookm.spec.tensor;

import java.util.Arrays;

/**
 * Where a layer sits in the model, for allocations that share a budget across layers (SPEC.md §3A).
 *
 * @param layer   index l in [0, layers)
 * @param layers  L, the model's layer count (not the number replayed)
 * @param profile one statistic per layer of the model from a first pass over the trace (attention density for
 *                VL-Cache-like, entropy for MEDA-like), or null when the allocation needs none; copied
 */
public record LayerContext(int layer, int layers, double[] profile) {
    public LayerContext {
        if (layers < 1) throw new IllegalArgumentException("LayerContext needs layers >= 1, was " + layers);
        if (layer < 0 || layer >= layers) throw new IllegalArgumentException("LayerContext layer must be in [0, " + layers + "), was " + layer);
        if (profile != null) {
            if (profile.length != layers)
                throw new IllegalArgumentException("LayerContext profile has " + profile.length + " values, expected one per layer (" + layers + ")");
            for (int l = 0; l < profile.length; l++)
                if (!(profile[l] >= 0) || Double.isInfinite(profile[l]))
                    throw new IllegalArgumentException("LayerContext profile value of layer " + l + " must be finite and >= 0, was " + profile[l]);
            profile = profile.clone();
        }
    }

    /** A lone layer with no model around it (what {@code Compressor.compress(block, observation, budget)} uses). */
    public static LayerContext single() { return new LayerContext(0, 1, null); }

    /** Layer {@code layer} of {@code layers}, without a profile. */
    public static LayerContext of(int layer, int layers) { return new LayerContext(layer, layers, null); }

    /** The profile values, a copy; empty when there is none. */
    @Override public double[] profile() { return profile == null ? new double[0] : profile.clone(); }

    public boolean hasProfile() { return profile != null; }

    /** The same position with {@code profile}. */
    public LayerContext withProfile(double[] values) { return new LayerContext(layer, layers, values); }

    @Override public String toString() {
        return "layer " + layer + " of " + layers + (profile == null ? "" : ", profile " + Arrays.toString(profile));
    }
}
