package lookm.bench.fidelity;

import lookm.spec.decode.DecodeStream;
import lookm.spec.tensor.KvBlock;
import lookm.traces.schema.DecodeTokens;

/**
 * Output fidelity of one decode step of a streaming replay (bench/FIDELITY.md, "Decode-phase replay"), in double: the
 * query of generated token s (position T + s) of query head qh against
 * <pre>
 *   the full cache:       the T prompt rows and the generated rows 0..s, itself included      p, o = Σ_j p_j v_j
 *   the streamed cache:   its KV head's rows now (kept, merged, and the tokens generated since)  p̂, ô = Σ_c p̂_c v̂_c
 *   relative error ‖ô − o‖ / ‖o‖, cosine, recall Σ_{j held} p_j, merged mass Σ_{j evicted into a row} p_j,
 *   top-k overlap |top-k(p) ∩ held| / k, k = min(rows, TOP_K)
 * </pre>
 * as {@link Fidelity#probe} does for the prompt, with the generated tokens part of both caches.
 */
public final class DecodeFidelity {
    private DecodeFidelity() {}

    /**
     * Metrics of generated token {@code step}'s query against KV head {@code head}.
     *
     * @param query     the query vectors. Not modified.
     * @param offset    index of this query head's vector in {@code query}
     * @param prompt    the full prompt cache (Hkv, T, D). Not modified.
     * @param generated the generated tokens' K/V (Hkv, S, D). Not modified.
     * @param stream    the streamed cache after this step's append, before its compression. Not modified.
     */
    public static Metrics step(float[] query, int offset, KvBlock prompt, DecodeTokens generated, int step, int head, DecodeStream stream) {
        int t = prompt.tokens(), d = prompt.headDim(), full = t + step + 1;
        double scale = 1.0 / Math.sqrt(d);
        // (1) p over the T prompt rows and the step + 1 generated rows; o = p·V                 (T + s + 1), (D)
        double[] logits = new double[full];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < full; j++) {
            float[] keys = j < t ? prompt.keys() : generated.keys();
            int at = j < t ? prompt.offset(head, j) : generated.offset(head, j - t);
            double s = 0;
            for (int i = 0; i < d; i++) s += (double) query[offset + i] * keys[at + i];
            logits[j] = s * scale;
            max = Math.max(max, logits[j]);
        }
        double sum = 0;
        for (int j = 0; j < full; j++) sum += logits[j] = Math.exp(logits[j] - max);
        double[] o = new double[d];
        for (int j = 0; j < full; j++) {
            double p = logits[j] /= sum;
            float[] values = j < t ? prompt.values() : generated.values();
            int at = j < t ? prompt.offset(head, j) : generated.offset(head, j - t);
            for (int i = 0; i < d; i++) o[i] += p * values[at + i];
        }
        // (2) p̂ over the streamed rows, ô = p̂·V̂                                                 (rows), (D)
        int[] held = stream.positions(head);
        float[] keys = stream.keys(head), values = stream.values(head);
        double[] oHat = new double[d];
        if (held.length > 0) {
            double[] pHat = Fidelity.softmax(query, offset, keys, 0, held.length, d, scale);
            for (int r = 0; r < held.length; r++)
                for (int i = 0; i < d; i++) oHat[i] += pHat[r] * values[r * d + i];
        }
        // (4) recall on held positions; merged mass on evicted positions merged into some row
        double recall = 0, merged = 0;
        boolean[] isHeld = new boolean[full];
        for (int j : held) {
            isHeld[j] = true;
            recall += logits[j];
        }
        for (int j = 0; j < full; j++) if (!isHeld[j] && stream.mergedAway(j)) merged += logits[j];
        // (3) errors of ô against o, (5) top-k overlap
        return Fidelity.metrics(o, oHat, recall, merged, Fidelity.topKOverlap(logits, held));
    }
}
