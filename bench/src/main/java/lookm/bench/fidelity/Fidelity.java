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
        return probeMetrics(p, o, oHat, compressed);
    }

    /** Steps (3)-(5) of one probe, from its full-cache p and o and its compressed-cache ô. */
    private static Metrics probeMetrics(double[] p, double[] o, double[] oHat, HeadCompression compressed) {
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
        for (int r = 0; r < rows; r++) {
            double s = 0;
            int k = keyOffset + r * d;
            for (int i = 0; i < d; i++) s += (double) q[qOffset + i] * keys[k + i];
            logits[r] = s * scale;
        }
        normalize(logits);
        return logits;
    }

    /** In place: logits → exp(logit − max) / Σ exp(logit − max), summed in row order; returns its argument. */
    private static double[] normalize(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) max = Math.max(max, l);
        double sum = 0;
        for (int r = 0; r < logits.length; r++) {
            logits[r] = Math.exp(logits[r] - max);
            sum += logits[r];
        }
        for (int r = 0; r < logits.length; r++) logits[r] /= sum;
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
     * The full-cache side of step (1) for every probe of a layer: p and o of each (query head, probe). It does not
     * depend on the policy, so a replay computes it once per layer and reuses it for every (policy, budget) job.
     * Each probe's numbers are bit for bit those of {@link #probe}: the batched kernels below keep every probe's
     * summation order (over dims for q·k, over rows for o).
     */
    public static final class FullAttention {
        private final int layer;
        private final KvBlock block;
        private final Queries probes;
        private final HeadGroups groups;
        /** q·k_j/√D of probe r of query head qh at [qh · P + r], shape (T): reused for kept rows a policy left as they were. */
        private final double[][] logits;
        /** p of probe r of query head qh at [qh · P + r], shape (T). */
        private final double[][] p;
        /** o of probe r of query head qh at [qh · P + r], shape (D). */
        private final double[][] o;

        private FullAttention(int layer, KvBlock block, Queries probes, HeadGroups groups, double[][] logits, double[][] p, double[][] o) {
            this.layer = layer;
            this.logits = logits;
            this.block = block;
            this.probes = probes;
            this.groups = groups;
            this.p = p;
            this.o = o;
        }

        public int layer() { return layer; }

        public KvBlock block() { return block; }

        public Queries probes() { return probes; }
    }

    /**
     * Step (1) of every probe against the full cache, query heads in parallel (each writes its own slots).
     *
     * @param layer  layer index (for messages)
     * @param block  the full cache (Hkv, T, D). Not modified; held by the result.
     * @param probes decode probe queries (Hq, P, D). Not modified; held by the result.
     * @throws IllegalArgumentException naming the layer when the probes' D or head count does not fit the cache
     */
    public static FullAttention full(int layer, KvBlock block, Queries probes) {
        if (probes.headDim() != block.headDim())
            throw new IllegalArgumentException("layer " + layer + ": probes have D=" + probes.headDim() + ", the cache has D=" + block.headDim());
        HeadGroups groups = new HeadGroups(probes.queryHeads(), block.heads());
        int count = probes.count(), t = block.tokens(), d = block.headDim();
        double scale = 1.0 / Math.sqrt(d);
        double[][] logits = new double[probes.queryHeads() * count][];
        double[][] p = new double[probes.queryHeads() * count][];
        double[][] o = new double[probes.queryHeads() * count][];
        IntStream.range(0, probes.queryHeads()).parallel().forEach(qh -> {
            int start = block.offset(groups.kvHeadOf(qh), 0);
            // (1) p = softmax(q·K^T/√D) over T, o = p·V, for the P probes of this query head at once   (P, T), (P, D)
            double[][] ls = logitsAll(probes.data(), probeOffsets(probes, qh), block.keys(), start, t, d, scale);
            double[][] ps = new double[count][];
            for (int r = 0; r < count; r++) ps[r] = normalize(ls[r].clone());
            double[][] os = weightedSumAll(ps, block.values(), start, d);
            System.arraycopy(ls, 0, logits, qh * count, count);
            System.arraycopy(ps, 0, p, qh * count, count);
            System.arraycopy(os, 0, o, qh * count, count);
        });
        return new FullAttention(layer, block, probes, groups, logits, p, o);
    }

    private static int[] probeOffsets(Queries probes, int qh) {
        int[] offsets = new int[probes.count()];
        for (int r = 0; r < offsets.length; r++) offsets[r] = probes.offset(qh, r);
        return offsets;
    }

    /** Probes per block of the batched q·k kernel: each loaded key element feeds this many independent sums. */
    private static final int PROBE_BLOCK = 4;

    /**
     * The logits of {@link #softmax}, q·k_row · scale, for n probes at once (q_r starts at q[qOffsets[r]]): each
     * key row is read once per block of {@link #PROBE_BLOCK} probes, two rows at a time (eight independent sums in
     * flight instead of one dependent chain). Probe r's dot product with a row still sums its D products in dim
     * order from 0, so every probe's logits, and hence its softmax, are bit-identical to {@link #softmax}'s.
     */
    static double[][] logitsAll(float[] q, int[] qOffsets, float[] keys, int keyOffset, int rows, int d, double scale) {
        int n = qOffsets.length, blocks = (n + PROBE_BLOCK - 1) / PROBE_BLOCK;
        double[][] qd = new double[blocks * PROBE_BLOCK][d];                       // widened; rows past n stay 0 (padding)
        for (int r = 0; r < n; r++)
            for (int i = 0; i < d; i++) qd[r][i] = q[qOffsets[r] + i];
        double[][] logits = new double[blocks * PROBE_BLOCK][rows];
        for (int b = 0; b < blocks; b++) {
            int p = b * PROBE_BLOCK;
            double[] q0 = qd[p], q1 = qd[p + 1], q2 = qd[p + 2], q3 = qd[p + 3];
            double[] l0 = logits[p], l1 = logits[p + 1], l2 = logits[p + 2], l3 = logits[p + 3];
            for (int row = 0; row < rows; row += 2) {
                int other = Math.min(row + 1, rows - 1);                             // an odd last row is computed twice
                int ka = keyOffset + row * d, kb = keyOffset + other * d;
                double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
                for (int i = 0; i < d; i++) {
                    double x = keys[ka + i], y = keys[kb + i];
                    a0 += q0[i] * x;
                    a1 += q1[i] * x;
                    a2 += q2[i] * x;
                    a3 += q3[i] * x;
                    b0 += q0[i] * y;
                    b1 += q1[i] * y;
                    b2 += q2[i] * y;
                    b3 += q3[i] * y;
                }
                l0[row] = a0 * scale;
                l1[row] = a1 * scale;
                l2[row] = a2 * scale;
                l3[row] = a3 * scale;
                l0[other] = b0 * scale;
                l1[other] = b1 * scale;
                l2[other] = b2 * scale;
                l3[other] = b3 * scale;
            }
        }
        return java.util.Arrays.copyOf(logits, n);                                 // the padding probes dropped
    }

    /**
     * {@link #weightedSum} for n weight vectors at once: each value row is widened to double once and read for all
     * of them (a loop over double arrays only, which the JIT vectorizes); out[r][i] still sums over rows in order,
     * each product the same double product as {@link #weightedSum}'s.
     */
    static double[][] weightedSumAll(double[][] weights, float[] values, int offset, int d) {
        double[][] out = new double[weights.length][d];
        int rows = weights.length == 0 ? 0 : weights[0].length;
        double[] v = new double[d];
        for (int row = 0; row < rows; row++) {
            int start = offset + row * d;
            for (int i = 0; i < d; i++) v[i] = values[start + i];
            for (int r = 0; r < weights.length; r++) {
                double w = weights[r][row];
                double[] o = out[r];
                for (int i = 0; i < d; i++) o[i] += w * v[i];
            }
        }
        return out;
    }

    /**
     * Probe step (2)'s p̂ for the P probes of query head qh over the C kept rows of its KV head, (P, C). A kept row
     * whose key is bit for bit the cache's own row at its position (every row of a drop; the rows a merge left
     * alone) has the same dot products as the full side, so its logits are taken from there; only the other rows
     * (keys a merge changed) are computed. Bit-identical to {@link #softmax} over the compressed keys either way.
     */
    private static double[][] keptSoftmax(FullAttention full, int qh, HeadCompression c, double scale) {
        int n = full.probes.count(), rows = c.keptCount(), d = full.block.headDim();
        int cache = full.block.offset(full.groups.kvHeadOf(qh), 0);
        float[] keys = c.keys(), cached = full.block.keys();
        int[] kept = c.kept();
        double[][] out = new double[n][rows];
        int[] changed = new int[rows];
        int m = 0;
        for (int row = 0; row < rows; row++) {
            int from = cache + kept[row] * d;
            if (java.util.Arrays.equals(keys, row * d, (row + 1) * d, cached, from, from + d))
                for (int r = 0; r < n; r++) out[r][row] = full.logits[qh * n + r][kept[row]];
            else changed[m++] = row;
        }
        if (m > 0) {
            float[] fresh = new float[m * d];
            for (int j = 0; j < m; j++) System.arraycopy(keys, changed[j] * d, fresh, j * d, d);
            double[][] computed = logitsAll(full.probes.data(), probeOffsets(full.probes, qh), fresh, 0, m, d, scale);
            for (int r = 0; r < n; r++)
                for (int j = 0; j < m; j++) out[r][changed[j]] = computed[r][j];
        }
        for (double[] l : out) normalize(l);
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
        requireHeads(layer, block, compressed);
        return layer(full(layer, block, probes), compressed, requested, bytesPerElement);
    }

    private static void requireHeads(int layer, KvBlock block, CompressedLayer compressed) {
        if (compressed.headCount() != block.heads())
            throw new IllegalArgumentException("layer " + layer + ": compressed layer has " + compressed.headCount()
                    + " heads, the cache has Hkv=" + block.heads());
    }

    /**
     * {@link #layer(int, KvBlock, Queries, CompressedLayer, Budget, int)} with the full-cache side already computed
     * (shared by every job of the layer); the numbers are the same.
     */
    public static LayerFidelity layer(FullAttention full, CompressedLayer compressed, Budget requested, int bytesPerElement) {
        int layer = full.layer;
        KvBlock block = full.block;
        Queries probes = full.probes;
        requireHeads(layer, block, compressed);
        HeadGroups groups = full.groups;
        int g = groups.groupSize(), count = probes.count(), d = block.headDim();
        double scale = 1.0 / Math.sqrt(d);
        // (1) per query head: mean over its P probes (query heads run in parallel; each writes its own slot)
        Metrics[] perQueryHead = new Metrics[probes.queryHeads()];
        IntStream.range(0, probes.queryHeads()).parallel().forEach(qh -> {
            HeadCompression c = compressed.head(groups.kvHeadOf(qh));
            // probe step (2): p̂ over the C kept rows, ô = p̂·V̂, for the P probes at once     (P, C), (P, D)
            double[][] oHat = c.keptCount() == 0 ? new double[count][d] : weightedSumAll(keptSoftmax(full, qh, c, scale), c.values(), 0, d);
            Metrics.Mean mean = new Metrics.Mean();
            for (int r = 0; r < count; r++) mean.add(probeMetrics(full.p[qh * count + r], full.o[qh * count + r], oHat[r], c));
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
