package lookm.spec.decode;

import java.util.Arrays;
import lookm.spec.policy.Compressor;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * One layer's KV cache while tokens are generated, compressed periodically by one policy (SPEC.md §9; kvpress's
 * {@code DecodingPress}). Each KV head holds its own rows: after the first compression the heads keep different
 * positions, so each is a cache of its own, compressed as a one-head block with its G query heads' observation.
 * <pre>
 *   (0) start:  the prompt's layer (Hkv, T, D) is compressed to the cap by the policy with the recorded observation;
 *               each kept row starts with its recorded accumulated attention a[qh, j] (merged rows: the kept row's own)
 *   per generated token x_s at position T + s, {@link #append}:
 *   (1) append: every head gets the row (k_s, v_s) and an accumulated attention of 0
 *   (2) attend: p_qh = softmax(q_s,qh · K_h^T / √D) over the head's rows, itself included      (C' + 1)
 *   (3) accumulate (H2O): a[qh, c] += p_qh[c]                                                 (double)
 *   then, {@link #compressIfDue}, after every N-th token since the last compression:
 *   (4) compress each head holding more than C rows: block (1, C', D), layout of its positions, observation =
 *       accumulated attention (G, C') + the queries of the tokens generated since the last compression (the window,
 *       in row coordinates: they are the last k rows); kept rows keep their accumulation, evicted ones lose it
 * </pre>
 * Attention, accumulation and bookkeeping run on the host in double; the compression is the backend's
 * {@link Compressor}, so the reference and the OpenCL backend stream through the same code.
 */
public final class DecodeStream {
    private final Compressor compressor;
    private final DecodeSchedule schedule;
    private final LayerContext context;
    private final TokenLayout fullLayout;
    private final HeadGroups groups;
    private final int headDim, prompt;
    private final Head[] heads;
    /** Per query head, (window, D): the queries of the tokens generated since the last compression. */
    private final float[][] window;
    private int sinceCompression, generated, compressions;
    /** Per absolute position: evicted with its row added into a kept row (at any compression). */
    private boolean[] mergedAway;

    /** One KV head's cache: rows in position order, their positions and accumulated attention per query head of the group. */
    private static final class Head {
        int size;
        int[] positions;
        float[] keys, values;
        double[][] accumulated;             // (G, capacity)
    }

    /**
     * Starts the stream: step (0).
     *
     * @param compressor  the policy on some backend. Not modified.
     * @param schedule    every N, cap C, recent R
     * @param prompt      the prompt's layer (Hkv, T, D). Not modified.
     * @param observation what was recorded during prefill (the policy reads what it needs); its accumulated attention
     *                    seeds the running sums (zeros when absent)
     * @param context     where the layer sits (allocations; uniform here)
     * @param generatedTokens S, how many tokens will be appended (sizes the layout; at most S calls to {@link #append})
     */
    public DecodeStream(Compressor compressor, DecodeSchedule schedule, KvBlock prompt, Observation observation, LayerContext context,
                        int generatedTokens, int queryHeads) {
        DecodeSchedule.requireBounded(compressor.policy());
        this.compressor = compressor;
        this.schedule = schedule;
        this.context = context;
        this.headDim = prompt.headDim();
        this.prompt = prompt.tokens();
        this.groups = new HeadGroups(queryHeads, prompt.heads());
        this.fullLayout = prompt.layout().withText(generatedTokens);
        this.mergedAway = new boolean[this.prompt + generatedTokens];
        this.window = new float[queryHeads][schedule.every() * headDim];
        this.heads = new Head[prompt.heads()];
        // (0) the prompt compressed to the cap, the recorded observation
        CompressedLayer first = compressor.compress(prompt, observation.only(compressor.policy().score().needs()), schedule.budget(), context);
        AccumulatedAttention recorded = observation.accumulatedAttention();
        int g = groups.groupSize();
        int[] promptPositions = identity(prompt.tokens());
        for (int h = 0; h < heads.length; h++) {
            HeadCompression c = first.head(h);
            Head head = heads[h] = new Head();
            int capacity = Math.max(c.keptCount(), schedule.cap()) + schedule.every();
            head.size = c.keptCount();
            head.positions = Arrays.copyOf(c.kept(), capacity);
            head.keys = Arrays.copyOf(c.keys(), capacity * headDim);
            head.values = Arrays.copyOf(c.values(), capacity * headDim);
            head.accumulated = new double[g][capacity];
            for (int i = 0; i < g; i++)
                for (int r = 0; r < head.size; r++)
                    head.accumulated[i][r] = recorded == null ? 0 : recorded.at(h * g + i, c.kept()[r]);
            markMerged(c, promptPositions);
        }
        compressions = 1;
        requireWithinCap("after the prompt's compression");
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }

    /** Marks the absolute positions of a compression's evicted rows that were added into a kept row. */
    private void markMerged(HeadCompression c, int[] rowPositions) {
        int[] evicted = c.evicted(), target = c.mergeTarget();
        for (int e = 0; e < evicted.length; e++) if (target[e] >= 0) mergedAway[rowPositions[evicted[e]]] = true;
    }

    /**
     * Steps (1)-(3) for the next generated token.
     *
     * @param keys    (Hkv, D) its key per KV head. Not modified.
     * @param values  (Hkv, D) its value per KV head. Not modified.
     * @param queries (Hq, D) its query per query head. Not modified.
     * @return p, per query head the attention over its KV head's rows after the append, (Hq)(rows)
     */
    public double[][] append(float[] keys, float[] values, float[] queries) {
        int hkv = heads.length, d = headDim;
        if (generated + prompt >= mergedAway.length)
            throw new IllegalStateException("the stream was sized for " + (mergedAway.length - prompt) + " generated tokens");
        if (keys.length != hkv * d || values.length != hkv * d || queries.length != groups.queryHeads() * d)
            throw new IllegalArgumentException("append needs keys and values (Hkv=" + hkv + ", D=" + d + ") and queries (Hq="
                    + groups.queryHeads() + ", D=" + d + ")");
        if (sinceCompression >= schedule.every())
            throw new IllegalStateException("compressIfDue was not called after " + sinceCompression + " tokens (every " + schedule.every() + ")");
        int position = prompt + generated;
        double scale = 1.0 / Math.sqrt(d);
        double[][] attention = new double[groups.queryHeads()][];
        for (int h = 0; h < hkv; h++) {
            Head head = heads[h];
            // (1) append the row
            int r = head.size++;
            head.positions[r] = position;
            System.arraycopy(keys, h * d, head.keys, r * d, d);
            System.arraycopy(values, h * d, head.values, r * d, d);
            for (int qh = h * groups.groupSize(); qh < (h + 1) * groups.groupSize(); qh++) {
                // (2) p = softmax(q·K^T/√D) over the head's rows, (3) a += p
                double[] p = softmax(queries, qh * d, head.keys, head.size, d, scale);
                double[] acc = head.accumulated[qh - h * groups.groupSize()];
                acc[r] = 0;
                for (int c = 0; c < head.size; c++) acc[c] += p[c];
                attention[qh] = p;
                System.arraycopy(queries, qh * d, window[qh], sinceCompression * d, d);
            }
        }
        generated++;
        sinceCompression++;
        requireWithinCap("at generated token " + position);
        return attention;
    }

    /** softmax_r(q·k_r·scale) over rows [0, n) of {@code keys}, in double. */
    static double[] softmax(float[] q, int qOffset, float[] keys, int n, int d, double scale) {
        double[] p = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < n; r++) {
            double s = 0;
            for (int i = 0; i < d; i++) s += (double) q[qOffset + i] * keys[r * d + i];
            p[r] = s * scale;
            max = Math.max(max, p[r]);
        }
        double sum = 0;
        for (int r = 0; r < n; r++) sum += p[r] = Math.exp(p[r] - max);
        for (int r = 0; r < n; r++) p[r] /= sum;
        return p;
    }

    /**
     * Step (4) when N tokens were generated since the last compression; otherwise nothing.
     *
     * @return true when it compressed
     */
    public boolean compressIfDue() {
        if (!schedule.due(sinceCompression)) return false;
        int g = groups.groupSize(), k = sinceCompression, d = headDim;
        for (int h = 0; h < heads.length; h++) {
            Head head = heads[h];
            if (head.size <= schedule.cap()) continue;
            int n = head.size;
            int[] positions = Arrays.copyOf(head.positions, n);
            KvBlock block = new KvBlock(Arrays.copyOf(head.keys, n * d), Arrays.copyOf(head.values, n * d), 1, n, d, fullLayout.gather(positions));
            float[] acc = new float[g * n];
            float[] recent = new float[g * k * d];
            for (int i = 0; i < g; i++) {
                for (int c = 0; c < n; c++) acc[i * n + c] = (float) head.accumulated[i][c];
                System.arraycopy(window[h * g + i], 0, recent, i * k * d, k * d);
            }
            Observation seen = new Observation(new AccumulatedAttention(acc, g, n), Queries.contiguous(recent, g, d, n - k, k), null)
                    .only(compressor.policy().score().needs());
            HeadCompression c = compressor.compress(block, seen, schedule.budget(), context).head(0);
            markMerged(c, positions);
            int[] kept = c.kept();
            double[][] carried = new double[g][head.accumulated[0].length];
            for (int r = 0; r < kept.length; r++) {
                head.positions[r] = positions[kept[r]];
                for (int i = 0; i < g; i++) carried[i][r] = head.accumulated[i][kept[r]];
            }
            head.accumulated = carried;
            System.arraycopy(c.keys(), 0, head.keys, 0, kept.length * d);
            System.arraycopy(c.values(), 0, head.values, 0, kept.length * d);
            head.size = kept.length;
        }
        sinceCompression = 0;
        compressions++;
        requireWithinCap("after compression " + compressions);
        return true;
    }

    /** I18 at this moment; a violation is a policy keeping more than its budget, reported with where it happened. */
    private void requireWithinCap(String when) {
        for (int h = 0; h < heads.length; h++) {
            var verdict = lookm.spec.invariant.Invariants.withinDecodeCap(heads[h].size, schedule, sinceCompression);
            if (!verdict.holds())
                throw new IllegalStateException("policy " + compressor.policy().name() + ", KV head " + h + ", " + when + ": " + verdict.detail());
        }
    }

    /** Rows KV head h holds now. */
    public int size(int head) { return heads[head].size; }

    /** The absolute positions of KV head h's rows, ascending (a merged row keeps its kept token's position). */
    public int[] positions(int head) { return Arrays.copyOf(heads[head].positions, heads[head].size); }

    /** KV head h's keys, (rows, D). */
    public float[] keys(int head) { return Arrays.copyOf(heads[head].keys, heads[head].size * headDim); }

    /** KV head h's values, (rows, D). */
    public float[] values(int head) { return Arrays.copyOf(heads[head].values, heads[head].size * headDim); }

    /** The running accumulated attention of query head qh over its KV head's rows. */
    public double[] accumulated(int queryHead) {
        int h = groups.kvHeadOf(queryHead);
        return Arrays.copyOf(heads[h].accumulated[queryHead - h * groups.groupSize()], heads[h].size);
    }

    /** Whether the token at absolute position p was evicted with its row added into a kept row. */
    public boolean mergedAway(int position) { return mergedAway[position]; }

    /** Tokens generated since the last compression, k in [0, N]. */
    public int sinceCompression() { return sinceCompression; }

    /** Compressions so far, the prompt's included. */
    public int compressions() { return compressions; }

    /** Tokens appended so far. */
    public int generated() { return generated; }

    public int kvHeads() { return heads.length; }

    public DecodeSchedule schedule() { return schedule; }
}
