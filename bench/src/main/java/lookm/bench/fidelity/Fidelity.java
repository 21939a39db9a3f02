package lookm.bench.fidelity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * Output fidelity of a compressed layer on decode probe queries, computed in double. Definitions (bench/FIDELITY.md):
 * for a probe q of query head qh (KV head h = qh / G),
 * <pre>
 *   p_j = softmax_j(q·k_j / √D) over the T cached positions        o = Σ_j p_j v_j
 *   p̂_c = softmax_c(q·k̂_c / √D) over the C kept (possibly merged) rows   ô = Σ_c p̂_c v̂_c
 *   relative error = ‖ô − o‖ / ‖o‖       cosine = ô·o / (‖ô‖ ‖o‖)
 *   recall = Σ_{j kept} p_j          merged mass = Σ_{j evicted, mergeTarget ≥ 0} p_j   (reported apart: a merge is not a keep)
 *   top-k overlap = |top-k(p) ∩ kept| / k,  k = min(C, TOP_K), ties broken by lower position
 * </pre>
 * The probe attends to the T prefill positions only (not to itself or earlier decode tokens), so the full cache
 * scores exactly error 0, cosine 1, recall 1 and overlap 1.
 */
public final class Fidelity {
    /** The k of top-k overlap, capped by the kept count C. */
    public static final int TOP_K = 32;

    private Fidelity() {}

    /**
     * Metrics of one probe against one KV head.
     *
     * @param query      float array holding the probe vector. Not modified.
     * @param offset     index of the probe's first element in {@code query}
     * @param block      the full cache (H, T, D). Not modified.
     * @param head       KV head h
     * @param compressed that head's compression (C kept rows). Not modified.
     */
    public static Metrics probe(float[] query, int offset, KvBlock block, int head, HeadCompression compressed) {
        int t = block.tokens(), d = block.headDim();
        double scale = 1.0 / Math.sqrt(d);
        // (1) p = softmax(q·K^T/√D) over T, o = p·V                       (T), (D)
        double[] p = softmax(query, offset, block.keys(), block.offset(head, 0), t, d, scale);
        double[] o = weightedSum(p, block.values(), block.offset(head, 0), d);
        // (2) p̂ over the C kept rows, ô = p̂·V̂                            (C), (D)
        int c = compressed.keptCount();
        double[] oHat = new double[d];
        if (c > 0) {
            double[] pHat = softmax(query, offset, compressed.keys(), 0, c, d, scale);
            oHat = weightedSum(pHat, compressed.values(), 0, d);
        }
        // (4) recall: attention mass on kept positions; merged mass: on evicted positions merged into a kept row
        double recall = 0, merged = 0;
        for (int j : compressed.kept()) recall += p[j];
        int[] evicted = compressed.evicted(), target = compressed.mergeTarget();
        for (int e = 0; e < evicted.length; e++) if (target[e] >= 0) merged += p[evicted[e]];
        // (3) errors of ô against o, (5) top-k overlap
        return metrics(o, oHat, recall, merged, topKOverlap(p, compressed.kept()));
    }

    /** Step (3): relative error ‖ô − o‖ / ‖o‖ and cosine of ô against o, with the other numbers of one probe. */
    static Metrics metrics(double[] o, double[] oHat, double recall, double merged, double topKOverlap) {
        double diff = 0, dot = 0, norm = 0, normHat = 0;
        for (int i = 0; i < o.length; i++) {
            diff += (oHat[i] - o[i]) * (oHat[i] - o[i]);
            dot += oHat[i] * o[i];
            norm += o[i] * o[i];
            normHat += oHat[i] * oHat[i];
        }
        double relativeError = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        double cosine = norm == 0 || normHat == 0 ? (norm == normHat ? 1 : 0) : dot / Math.sqrt(norm * normHat);
        return new Metrics(relativeError, cosine, recall, merged, topKOverlap);
    }

    /** |top-k(p) ∩ kept| / k with k = min(|kept|, TOP_K); 0 when nothing is kept. */
    static double topKOverlap(double[] p, int[] kept) {
        int k = Math.min(kept.length, TOP_K);
        if (k == 0) return 0;
        int[] top = topK(p, k);
        int hits = 0;
        for (int j : top) if (Arrays.binarySearch(kept, j) >= 0) hits++;
        return hits / (double) k;
    }

    /** Positions of the k largest p, ties to the lower position (a partial selection, O(T·k)). */
    static int[] topK(double[] p, int k) {
        int[] best = new int[k];
        int n = 0;
        for (int j = 0; j < p.length; j++) {
            if (n == k && !(p[j] > p[best[n - 1]])) continue;       // not better than the current k-th: ties keep the lower j
            int i = n == k ? k - 1 : n++;
            while (i > 0 && p[j] > p[best[i - 1]]) {
                best[i] = best[i - 1];
                i--;
            }
            best[i] = j;
        }
        return best;
    }

    /** softmax over rows of (q·k_r · scale), r in [0, rows), rows starting at {@code keyOffset}; in double. */
    static double[] softmax(float[] q, int qOffset, float[] keys, int keyOffset, int rows, int d, double scale) {
        double[] logits = new double[rows];
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            double s = 0;
            int k = keyOffset + r * d;
            for (int i = 0; i < d; i++) s += (double) q[qOffset + i] * keys[k + i];
            logits[r] = s * scale;
            max = Math.max(max, logits[r]);
        }
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            logits[r] = Math.exp(logits[r] - max);
            sum += logits[r];
        }
        for (int r = 0; r < rows; r++) logits[r] /= sum;
        return logits;
    }

    private static double[] weightedSum(double[] weights, float[] values, int offset, int d) {
        double[] out = new double[d];
        for (int r = 0; r < weights.length; r++) {
            double w = weights[r];
            int v = offset + r * d;
            for (int i = 0; i < d; i++) out[i] += w * values[v + i];
        }
        return out;
    }

    /**
     * Fidelity of a compressed layer on every probe of every query head, with the kept-token and byte accounting.
     *
     * @param layer        layer index (for the record)
     * @param block        the full cache (Hkv, T, D). Not modified.
     * @param probes       decode probe queries (Hq, P, D). Not modified.
     * @param compressed   the layer's compression, one entry per KV head. Not modified.
     * @param requested    the budget asked for: C = N + R per head at this layer's T (T when it covers the cache)
     * @param bytesPerElement width of the cache dtype (2 for float16), for the byte accounting
     */
    public static LayerFidelity layer(int layer, KvBlock block, Queries probes, CompressedLayer compressed, Budget requested, int bytesPerElement) {
        if (compressed.headCount() != block.heads())
            throw new IllegalArgumentException("layer " + layer + ": compressed layer has " + compressed.headCount()
                    + " heads, the cache has Hkv=" + block.heads());
        if (probes.headDim() != block.headDim())
            throw new IllegalArgumentException("layer " + layer + ": probes have D=" + probes.headDim() + ", the cache has D=" + block.headDim());
        HeadGroups groups = new HeadGroups(probes.queryHeads(), block.heads());
        int g = groups.groupSize(), count = probes.count(), d = block.headDim();
        // (1) per query head: mean over its P probes (query heads run in parallel; each writes its own slot)
        Metrics[] perQueryHead = new Metrics[probes.queryHeads()];
        IntStream.range(0, probes.queryHeads()).parallel().forEach(qh -> {
            int h = groups.kvHeadOf(qh);
            Metrics.Mean mean = new Metrics.Mean();
            for (int r = 0; r < count; r++) mean.add(probe(probes.data(), probes.offset(qh, r), block, h, compressed.head(h)));
            perQueryHead[qh] = mean.mean();
        });
        // (2) per KV head (head group): mean over its G query heads; per layer: mean over all Hq
        TokenLayout layout = block.layout();
        List<HeadFidelity> heads = new ArrayList<>();
        Metrics.Mean layerMean = new Metrics.Mean();
        long keptRows = 0;
        for (int h = 0; h < block.heads(); h++) {
            Metrics.Mean group = new Metrics.Mean();
            for (int qh = h * g; qh < (h + 1) * g; qh++) {
                group.add(perQueryHead[qh]);
                layerMean.add(perQueryHead[qh]);
            }
            HeadCompression c = compressed.head(h);
            int text = 0;
            for (int j : c.kept()) if (layout.isText(j)) text++;
            heads.add(new HeadFidelity(h, group.mean(), c.keptCount(), text, c.keptCount() - text, c.mergedCount()));
            keptRows += c.keptCount();
        }
        // (3) bytes: K and V, each row D elements of the cache dtype
        long keptBytes = 2L * keptRows * d * bytesPerElement;
        long fullBytes = 2L * block.heads() * block.tokens() * d * bytesPerElement;
        Budget.Resolved asked = requested.resolve(block.tokens());
        int requestedPerHead = asked.coversCache() ? block.tokens() : asked.total();
        return new LayerFidelity(layer, heads, layerMean.mean(), block.tokens(), layout.textCount(), layout.imageTokenCount(),
                keptBytes, fullBytes, requestedPerHead, 2L * d * bytesPerElement);
    }
}
