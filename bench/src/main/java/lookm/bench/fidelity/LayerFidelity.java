package lookm.bench.fidelity;

import java.util.List;

/**
 * Fidelity of one compressed layer.
 *
 * @param layer      layer index
 * @param heads      one entry per KV head
 * @param mean       metrics averaged over all Hq query heads × P probes of the layer (equal weights)
 * @param tokens     T, cached positions before compression
 * @param textTokens text positions in the layout
 * @param imageTokens image positions in the layout
 * @param keptBytes  bytes of K and V kept, 2 · Σ_h C_h · D · bytes(dtype)
 * @param fullBytes  bytes of K and V of the full cache, 2 · Hkv · T · D · bytes(dtype)
 */
public record LayerFidelity(int layer, List<HeadFidelity> heads, Metrics mean, int tokens, int textTokens, int imageTokens,
                            long keptBytes, long fullBytes) {
    public LayerFidelity {
        heads = List.copyOf(heads);
    }

    /** Kept text positions summed over heads. */
    public long keptText() { return heads.stream().mapToLong(HeadFidelity::keptText).sum(); }

    /** Kept image positions summed over heads. */
    public long keptImage() { return heads.stream().mapToLong(HeadFidelity::keptImage).sum(); }

    /** Merged positions summed over heads. */
    public long merged() { return heads.stream().mapToLong(HeadFidelity::merged).sum(); }

    /** Share of text positions kept, over all heads: keptText / (Hkv · textTokens); NaN without text. */
    public double textRetention() { return textTokens == 0 ? Double.NaN : keptText() / ((double) heads.size() * textTokens); }

    /** Share of image positions kept, over all heads; NaN without images. */
    public double imageRetention() { return imageTokens == 0 ? Double.NaN : keptImage() / ((double) heads.size() * imageTokens); }

    /** keptBytes / fullBytes. */
    public double bytesRatio() { return keptBytes / (double) fullBytes; }
}
