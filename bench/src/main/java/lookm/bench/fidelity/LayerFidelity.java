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
 * @param requestedPerHead the requested budget C = N + R per head at this T (T when the budget covers the cache)
 * @param bytesPerToken    bytes of one cached position of one head, K and V: 2 · D · bytes(dtype)
 */
public record LayerFidelity(int layer, List<HeadFidelity> heads, Metrics mean, int tokens, int textTokens, int imageTokens,
                            long keptBytes, long fullBytes, int requestedPerHead, long bytesPerToken) {
    public LayerFidelity {
        heads = List.copyOf(heads);
    }

    /** Requested tokens over the layer's heads, Hkv · C. */
    public long requestedTokens() { return (long) heads.size() * requestedPerHead; }

    /** Effective (kept) tokens over the layer's heads, Σ_h C_h. */
    public long keptTokens() { return keptText() + keptImage(); }

    /** Requested KV bytes, Hkv · C · 2 · D · bytes(dtype). */
    public long requestedBytes() { return requestedTokens() * bytesPerToken; }

    /** Effective KV bytes of kept text rows. */
    public long keptTextBytes() { return keptText() * bytesPerToken; }

    /** Effective KV bytes of kept image rows. */
    public long keptImageBytes() { return keptImage() * bytesPerToken; }

    /** Effective over requested tokens (above 1 when a policy keeps more than asked, e.g. the released text prior). */
    public double effectiveOverRequested() { return keptTokens() / (double) requestedTokens(); }

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
