package lookm.bench.fidelity;

import java.util.ArrayList;
import java.util.List;

/**
 * Fidelity of a whole replay, aggregated from its layers. Every mean is an arithmetic mean with equal weights:
 * overall = mean over layers of the layer means (each layer mean is over its Hq × P probes, so this equals the
 * mean over all probes of all layers); per head group = mean over layers of that KV head's group mean.
 *
 * @param overall         the overall metrics
 * @param perHeadGroup    per KV head h, the mean over layers
 * @param textRetention   kept text positions / (L · Hkv · text positions)
 * @param imageRetention  kept image positions / (L · Hkv · image positions)
 * @param meanKeptText    kept text positions per (layer, head), averaged
 * @param meanKeptImage   kept image positions per (layer, head), averaged
 * @param meanMerged      merged evicted positions per (layer, head), averaged
 * @param keptBytes       K/V bytes kept, all layers
 * @param fullBytes       K/V bytes of the full cache, all layers
 * @param requestedTokens requested tokens, Σ over layers of Hkv · C
 * @param keptTokens      effective (kept) tokens, Σ over layers and heads of C_h
 * @param fullTokens      Σ over layers of Hkv · T
 * @param requestedBytes  requested K/V bytes, all layers
 * @param keptTextBytes   effective K/V bytes of kept text rows, all layers
 * @param keptImageBytes  effective K/V bytes of kept image rows, all layers
 */
public record Summary(Metrics overall, List<Metrics> perHeadGroup, double textRetention, double imageRetention,
                      double meanKeptText, double meanKeptImage, double meanMerged, long keptBytes, long fullBytes,
                      long requestedTokens, long keptTokens, long fullTokens, long requestedBytes, long keptTextBytes, long keptImageBytes) {
    /** Aggregates layers (non-empty, all with the same number of KV heads). */
    public static Summary of(List<LayerFidelity> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layers to summarise");
        int heads = layers.get(0).heads().size();
        Metrics.Mean overall = new Metrics.Mean();
        List<Metrics.Mean> groups = new ArrayList<>();
        for (int h = 0; h < heads; h++) groups.add(new Metrics.Mean());
        long keptText = 0, keptImage = 0, merged = 0, text = 0, image = 0, keptBytes = 0, fullBytes = 0;
        long requested = 0, full = 0, requestedBytes = 0, textBytes = 0, imageBytes = 0;
        for (LayerFidelity l : layers) {
            overall.add(l.mean());
            for (HeadFidelity h : l.heads()) groups.get(h.kvHead()).add(h.mean());
            keptText += l.keptText();
            keptImage += l.keptImage();
            merged += l.merged();
            text += (long) l.textTokens() * l.heads().size();
            image += (long) l.imageTokens() * l.heads().size();
            keptBytes += l.keptBytes();
            fullBytes += l.fullBytes();
            requested += l.requestedTokens();
            full += (long) l.tokens() * l.heads().size();
            requestedBytes += l.requestedBytes();
            textBytes += l.keptTextBytes();
            imageBytes += l.keptImageBytes();
        }
        double cells = (double) layers.size() * heads;
        return new Summary(overall.mean(), groups.stream().map(Metrics.Mean::mean).toList(),
                text == 0 ? Double.NaN : keptText / (double) text, image == 0 ? Double.NaN : keptImage / (double) image,
                keptText / cells, keptImage / cells, merged / cells, keptBytes, fullBytes,
                requested, keptText + keptImage, full, requestedBytes, textBytes, imageBytes);
    }

    /** Requested budget as a share of the full cache's tokens (= of its bytes). */
    public double requestedRatio() { return requestedTokens / (double) fullTokens; }

    /** Effective budget: kept tokens as a share of the full cache's tokens (= keptBytes / fullBytes). */
    public double effectiveRatio() { return keptTokens / (double) fullTokens; }

    /** keptBytes / fullBytes. */
    public double bytesRatio() { return keptBytes / (double) fullBytes; }
}
