package lookm.traces.npy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.DecodeTokens;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.write.TraceWriter;

/**
 * Imports a trace from NumPy arrays (an .npz or a directory of .npy), streaming one layer at a time.
 * Names and shapes (L layers, Hq query heads, Hkv KV heads, T tokens, D head dim):
 * <pre>
 * keys                   (L, Hkv, T, D)  float16/32/64   post-RoPE, required
 * values                 (L, Hkv, T, D)  float16/32/64   required
 * accumulated_attention  (L, Hq, T)      float           column sums of the causal prefill attention, required
 * image_ids              (T,)            int             -1 text, else image index (0, 1, ...); or
 * image_mask             (T,)            bool/int        1 image, 0 text (each maximal image run is one image)
 * token_ids              (T,)            int             optional
 * prefill_queries        (L, Hq, W, D)   float           optional, the last W prefill positions (W = T: all)
 * probe_queries          (L, Hq, P, D)   float           optional, decode queries
 * probe_positions        (P,)            int             optional, default T, T+1, ...
 * decode_keys            (L, Hkv, S, D)  float16/32/64   optional, the decode part: post-RoPE keys of the S generated tokens
 * decode_values          (L, Hkv, S, D)  float16/32/64   with decode_keys; needs probe_queries with P = S at positions T..T+S-1
 * </pre>
 */
public final class NumpyImport {
    private NumpyImport() {}

    /**
     * What the arrays do not say.
     *
     * @param modelName      written into the metadata
     * @param ropeBase       the model's RoPE base
     * @param tokensPerImage tokens per image, or -1 to infer it (the common image size, 0 if sizes differ)
     * @param dtype          storage type, or null to keep float16 for float16 keys and use float32 otherwise
     */
    public record Options(String modelName, double ropeBase, int tokensPerImage, CacheDtype dtype) {
        public static Options defaults(String modelName) {
            return new Options(modelName, TraceMetadata.Builder.DEFAULT_ROPE_BASE, -1, null);
        }
    }

    /** Reads the arrays at {@code source} and writes the trace directory {@code out} (atomically). */
    public static Path importTrace(Path source, Path out, Options options, boolean overwrite) {
        try (NumpySource src = NumpySource.open(source)) {
            TokenLayout layout = layout(src);
            int[] tokenIds = src.has("token_ids") ? readAll(src, "token_ids", layout.size()) : null;
            try (LayerStreams s = new LayerStreams(src, layout.size())) {
                TraceMetadata meta = metadata(s, layout, options, source);
                try (TraceWriter w = TraceWriter.create(out, meta, layout, tokenIds, overwrite, List.of(source))) {
                    for (int l = 0; l < meta.layers(); l++) w.write(s.next(l, layout));
                    return w.commit();
                }
            }
        }
    }

    private static TokenLayout layout(NumpySource src) {
        boolean ids = src.has("image_ids");
        if (!ids && !src.has("image_mask"))
            throw new NpyException(src.path() + ": needs 'image_ids' (T,) or 'image_mask' (T,) to know which tokens are image tokens");
        try (NpyReader r = src.reader(ids ? "image_ids" : "image_mask")) {
            int t = Math.toIntExact(r.requireRank(1, "(T,)")[0]);
            int[] values = r.readInts(t);
            if (ids) return TokenLayout.fromImageIds(values);
            boolean[] mask = new boolean[t];
            for (int i = 0; i < t; i++) mask[i] = values[i] != 0;
            return TokenLayout.fromImageMask(mask);
        } catch (NpyException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new NpyException(src.path() + ": invalid layout: " + e.getMessage());
        }
    }

    private static int[] readAll(NumpySource src, String name, int tokens) {
        try (NpyReader r = src.reader(name)) {
            long n = r.requireRank(1, "(T,)")[0];
            if (n != tokens) throw new NpyException(r.name() + " has " + n + " entries, the layout has T=" + tokens);
            return r.readInts(tokens);
        }
    }

    private static TraceMetadata metadata(LayerStreams s, TokenLayout layout, Options o, Path source) {
        int tokensPerImage = o.tokensPerImage() >= 0 ? o.tokensPerImage() : commonImageSize(layout);
        CacheDtype dtype = o.dtype() != null ? o.dtype() : s.keys.header().descr().equals("<f2") ? CacheDtype.FLOAT16 : CacheDtype.FLOAT32;
        return TraceMetadata.builder(o.modelName(), s.layers, s.queryHeads, s.kvHeads, s.headDim, layout.size())
                .ropeBase(o.ropeBase()).dtype(dtype).tokensPerImage(tokensPerImage).prefillQueries(s.window)
                .probes(s.probeCount).source("imported from NumPy arrays " + source.getFileName()).build().withDecodeSteps(s.decodeSteps);
    }

    private static int commonImageSize(TokenLayout layout) {
        int size = 0;
        for (TokenLayout.Run run : layout.runs()) {
            if (run.modality() != Modality.IMAGE) continue;
            if (size != 0 && run.length() != size) return 0;
            size = run.length();
        }
        return size;
    }

    /** One open stream per array, advanced a layer at a time in lockstep. */
    private static final class LayerStreams implements AutoCloseable {
        final NpyReader keys, values, attention, prefill, probes, decodeKeys, decodeValues;
        final int layers, kvHeads, queryHeads, headDim, tokens, window, probeCount, decodeSteps;
        final int[] probePositions;
        private final List<NpyReader> open = new ArrayList<>();

        LayerStreams(NumpySource src, int tokens) {
            this.tokens = tokens;
            keys = track(src.reader("keys"));
            long[] k = keys.requireRank(4, "(L, Hkv, T, D)");
            layers = Math.toIntExact(k[0]);
            kvHeads = Math.toIntExact(k[1]);
            headDim = Math.toIntExact(k[3]);
            requireShape(keys, layers, kvHeads, tokens, headDim);
            values = track(src.reader("values"));
            requireShape(values, layers, kvHeads, tokens, headDim);
            attention = track(src.reader("accumulated_attention"));
            long[] a = attention.requireRank(3, "(L, Hq, T)");
            queryHeads = Math.toIntExact(a[1]);
            requireShape(attention, layers, queryHeads, tokens);
            prefill = src.has("prefill_queries") ? track(src.reader("prefill_queries")) : null;
            window = prefill == null ? 0 : Math.toIntExact(prefill.requireRank(4, "(L, Hq, W, D)")[2]);
            if (prefill != null) requireShape(prefill, layers, queryHeads, window, headDim);
            probes = src.has("probe_queries") ? track(src.reader("probe_queries")) : null;
            probeCount = probes == null ? 0 : Math.toIntExact(probes.requireRank(4, "(L, Hq, P, D)")[2]);
            if (probes != null) requireShape(probes, layers, queryHeads, probeCount, headDim);
            probePositions = probes == null ? null : src.has("probe_positions") ? readAll(src, "probe_positions", probeCount)
                    : contiguous(tokens, probeCount);
            // the decode part: both arrays or neither; the generated tokens' queries are the probes, at T..T+S-1
            if (src.has("decode_keys") != src.has("decode_values"))
                throw new NpyException(src.path() + ": the decode part needs both 'decode_keys' and 'decode_values' (L, Hkv, S, D); found only '"
                        + (src.has("decode_keys") ? "decode_keys" : "decode_values") + "'");
            decodeKeys = src.has("decode_keys") ? track(src.reader("decode_keys")) : null;
            decodeSteps = decodeKeys == null ? 0 : Math.toIntExact(decodeKeys.requireRank(4, "(L, Hkv, S, D)")[2]);
            decodeValues = decodeKeys == null ? null : track(src.reader("decode_values"));
            if (decodeKeys != null) {
                requireShape(decodeKeys, layers, kvHeads, decodeSteps, headDim);
                requireShape(decodeValues, layers, kvHeads, decodeSteps, headDim);
                if (probeCount != decodeSteps || !Arrays.equals(probePositions, contiguous(tokens, decodeSteps)))
                    throw new NpyException(decodeKeys.name() + " holds S=" + decodeSteps + " generated tokens: the decode part needs probe_queries "
                            + "with P = S at positions T..T+S-1 (" + tokens + ".." + (tokens + decodeSteps - 1) + "), found "
                            + (probes == null ? "no probe_queries" : "P=" + probeCount + " at " + Arrays.toString(probePositions)));
            }
        }

        private static int[] contiguous(int first, int n) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) p[i] = first + i;
            return p;
        }

        private NpyReader track(NpyReader r) {
            open.add(r);
            return r;
        }

        private static void requireShape(NpyReader r, long... expected) {
            if (!Arrays.equals(r.header().shape(), expected))
                throw new NpyException(r.name() + " has shape " + r.header().shapeString() + ", expected "
                        + Arrays.toString(expected).replace('[', '(').replace(']', ')') + " from the other arrays");
        }

        TraceLayer next(int l, TokenLayout layout) {
            int kvSize = kvHeads * tokens * headDim;
            float[] k = new float[kvSize], v = new float[kvSize], a = new float[queryHeads * tokens];
            keys.readFloats(k, 0, kvSize);
            values.readFloats(v, 0, kvSize);
            attention.readFloats(a, 0, a.length);
            Queries window = prefill == null ? null : queries(prefill, this.window, contiguous(tokens - this.window, this.window));
            Queries probe = probes == null ? null : queries(probes, probeCount, probePositions);
            DecodeTokens decode = null;
            if (decodeKeys != null) {
                int n = kvHeads * decodeSteps * headDim;
                float[] dk = new float[n], dv = new float[n];
                decodeKeys.readFloats(dk, 0, n);
                decodeValues.readFloats(dv, 0, n);
                try {
                    decode = new DecodeTokens(dk, dv, kvHeads, decodeSteps, headDim, tokens);
                } catch (IllegalArgumentException e) {
                    throw new NpyException("layer " + l + " of decode_keys/decode_values: " + e.getMessage());
                }
            }
            try {
                return new TraceLayer(l, new KvBlock(k, v, kvHeads, tokens, headDim, layout),
                        new Observation(new AccumulatedAttention(a, queryHeads, tokens), window, probe), decode);
            } catch (IllegalArgumentException e) {
                throw new NpyException("layer " + l + ": " + e.getMessage());
            }
        }

        private Queries queries(NpyReader r, int count, int[] positions) {
            float[] data = new float[queryHeads * count * headDim];
            r.readFloats(data, 0, data.length);
            return new Queries(data, queryHeads, headDim, positions);
        }

        @Override public void close() {
            for (NpyReader r : open) r.close();
        }
    }
}
