package lookm.traces.synth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.DecodeTokens;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.write.TraceWriter;
import org.apache.arrow.memory.util.Float16;

/**
 * Realistic synthetic multimodal KV caches, deterministic by seed (generative model: traces/FORMAT.md,
 * "Synthetic traces"). Each layer is generated on demand, so a trace of any size is written with the memory of
 * one layer; the accumulated attention is computed from the generated Q and K ({@link CausalAttention}).
 * Values are rounded to the storage dtype before anything is computed from them, so a generated layer equals the
 * layer read back from disk.
 */
public final class SyntheticTraceGenerator {
    /** Smallest head dimension: the structured axes plus a few content dimensions. */
    public static final int MIN_HEAD_DIM = TokenVectors.STRUCTURED_DIMS + TokenVectors.MIN_CONTENT_DIMS;
    /** RoPE base written in the metadata (informative: the synthetic positional term is additive). */
    public static final double ROPE_BASE = 10_000.0;
    /** LLaMA's beginning-of-sequence id, at position 0. */
    public static final int BOS_TOKEN_ID = 1;
    /** LLaVA-1.5's {@code <image>} token id, given to every image position. */
    public static final int IMAGE_TOKEN_ID = 32_000;

    private final SynthConfig config;
    private final TokenLayout layout;
    private final TraceMetadata metadata;

    public SyntheticTraceGenerator(SynthConfig config) {
        this.config = config;
        this.layout = config.layout();
        int t = layout.size();
        String stride = config.attentionStride() == 1 ? "exact attention"
                : "attention estimated from every " + config.attentionStride() + "th query row";
        SynthLayout preset = config.preset();
        TraceMetadata m = TraceMetadata.builder(config.modelName(), config.layers(), config.queryHeads(), config.kvHeads(),
                        config.headDim(), t)
                .ropeBase(ROPE_BASE).dtype(config.dtype())
                .tokensPerImage(preset == null && config.images() > 0 ? config.tokensPerImage() : 0)
                .prefillQueries(config.prefillQueries()).probes(config.probes())
                .source("lookm.traces.synth seed=" + config.seed() + ", " + stride).build();
        TraceMetadata versioned = preset == null ? m : m.asVersion2(preset.architecture(), preset.layout().details().ropeAxes());
        this.metadata = config.decode() ? versioned.withDecodeSteps(config.probes()) : versioned;
    }

    public SynthConfig config() { return config; }

    public TokenLayout layout() { return layout; }

    public TraceMetadata metadata() { return metadata; }

    /** Token ids, shape (T): BOS, then text ids drawn in (BOS, IMAGE_TOKEN_ID), image positions IMAGE_TOKEN_ID. */
    public int[] tokenIds() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(config.seed());
        int[] ids = new int[layout.size()];
        for (int t = 0; t < ids.length; t++)
            ids[t] = layout.isImage(t) ? IMAGE_TOKEN_ID : t == 0 ? BOS_TOKEN_ID : r.nextInt(BOS_TOKEN_ID + 1, IMAGE_TOKEN_ID);
        return ids;
    }

    /** Layer {@code l}: keys and values (Hkv, T, D), accumulated attention (Hq, T), stored queries and probes. */
    public TraceLayer layer(int l) {
        if (l < 0 || l >= config.layers()) throw new IllegalArgumentException("layer " + l + " not in [0, " + config.layers() + ")");
        int t = layout.size(), d = config.headDim(), hkv = config.kvHeads(), hq = config.queryHeads();
        TokenVectors vectors = new TokenVectors(config, layout, l);
        float[] keys = new float[hkv * t * d];
        float[] values = new float[hkv * t * d];
        // every head is generated from its own (stream, head, position) generators, so heads run in parallel and the
        // trace is the same, bit for bit, in any order
        IntStream.range(0, hkv).parallel().forEach(h -> {
            vectors.keysAndValues(h, keys, values, h * t * d);
            round(keys, h * t * d, t * d);
            round(values, h * t * d, t * d);
        });
        KvBlock block = new KvBlock(keys, values, hkv, t, d, layout);

        float[] attention = new float[hq * t];
        int w = config.prefillQueries(), p = config.probes();
        float[] window = w > 0 ? new float[hq * w * d] : null;
        float[] probes = p > 0 ? new float[hq * p * d] : null;
        int group = hq / hkv, stride = config.attentionStride();
        IntStream.range(0, hq).parallel().forEach(q -> {
            // (1) this head's prefill queries (T, D): only the rows the attention reads (i = T-1, T-1-stride, ...) and
            //     the last W are generated (each row has its own generator; the others would be left unread)
            float[] prefill = new float[t * d];
            for (int i = t - 1; i >= 0; i -= stride) queryRows(vectors, q, i, 1, prefill);
            if (w > 0) queryRows(vectors, q, t - w, w, prefill);
            float[] sums = CausalAttention.columnSums(prefill, keys, (q / group) * t * d, t, d, stride);
            System.arraycopy(sums, 0, attention, q * t, t);
            if (window != null) System.arraycopy(prefill, (t - w) * d, window, q * w * d, w * d);
            // (2) decode probes at positions T .. T+P-1
            if (probes != null) {
                float[] probe = vectors.queries(q, t, p);
                round(probe, 0, probe.length);
                System.arraycopy(probe, 0, probes, q * p * d, p * d);
            }
        });
        Queries windowQueries = window == null ? null : Queries.contiguous(window, hq, d, t - w, w);
        Queries probeQueries = probes == null ? null : Queries.contiguous(probes, hq, d, t, p);
        DecodeTokens generated = null;
        if (config.decode()) {                                        // (3) the decode part: K/V of the probe positions
            float[] decodeKeys = new float[hkv * p * d], decodeValues = new float[hkv * p * d];
            for (int h = 0; h < hkv; h++) vectors.generatedKeysAndValues(h, t, p, decodeKeys, decodeValues, h * p * d);
            round(decodeKeys, 0, decodeKeys.length);
            round(decodeValues, 0, decodeValues.length);
            generated = new DecodeTokens(decodeKeys, decodeValues, hkv, p, d, t);
        }
        return new TraceLayer(l, block, new Observation(new AccumulatedAttention(attention, hq, t), windowQueries, probeQueries), generated);
    }

    /** Query rows [first, first + n) of head q, rounded to the storage dtype, into (T, D) {@code prefill}. */
    private void queryRows(TokenVectors vectors, int q, int first, int n, float[] prefill) {
        float[] rows = vectors.queries(q, first, n);
        round(rows, 0, rows.length);
        System.arraycopy(rows, 0, prefill, first * config.headDim(), rows.length);
    }

    /** Rounds data[from .. from + n) in place to the storage dtype (identity for float32). */
    private void round(float[] data, int from, int n) {
        if (config.dtype() != CacheDtype.FLOAT16) return;
        for (int i = from; i < from + n; i++) data[i] = Float16.toFloat(Float16.toFloat16(data[i]));
    }

    /** The layers 0..L-1, each generated when iterated to (memory: one layer). */
    public Iterable<TraceLayer> layers() {
        return () -> new Iterator<>() {
            private int next;

            @Override public boolean hasNext() { return next < config.layers(); }

            @Override public TraceLayer next() {
                if (!hasNext()) throw new NoSuchElementException();
                return layer(next++);
            }
        };
    }

    /** Every layer in memory; for small traces and tests. */
    public List<TraceLayer> allLayers() {
        List<TraceLayer> out = new ArrayList<>();
        for (TraceLayer layer : layers()) out.add(layer);
        return out;
    }

    /** Writes the trace to {@code dir} (atomically), one layer in memory at a time. */
    public Path write(Path dir, boolean overwrite) {
        return TraceWriter.write(dir, metadata, layout, tokenIds(), layers(), overwrite);
    }
}
