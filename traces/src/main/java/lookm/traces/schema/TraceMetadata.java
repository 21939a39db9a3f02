package lookm.traces.schema;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import lookm.spec.tensor.HeadGroups;

/**
 * Model and trace metadata, stored as Arrow schema metadata (string keys {@code lookm.*}) in every file of a
 * trace. Immutable and validated: a record that exists describes a consistent trace.
 *
 * @param modelName      free text, e.g. "llava-hf/llava-1.5-7b-hf"
 * @param layers         L, number of transformer layers recorded
 * @param queryHeads     Hq, query heads per layer
 * @param kvHeads        Hkv, KV heads per layer (Hq is a multiple: grouped-query attention when Hq > Hkv)
 * @param headDim        D, elements per key/value/query vector
 * @param ropeBase       RoPE base θ of the model (informative: keys are stored after RoPE)
 * @param dtype          element type of K, V and queries on disk
 * @param tokensPerImage image tokens per image (576 LLaVA-1.5, 144 MobileVLM); 0 when it varies or no image
 * @param tokens         T, prefill length (cached positions)
 * @param prefillQueries W, prefill queries stored per query head (the last W positions); 0 none, T all
 * @param probes         P, decode probe queries stored per query head; 0 none
 * @param source         provenance, free text (generator and seed, recorder and library versions)
 * @param version        format version, {@link TraceSchema#VERSION_1} or {@link TraceSchema#VERSION_2} (per-token
 *                       modality, image / video / tile / frame ids, RoPE positions in layout.arrow)
 * @param architecture   v2: the recorder adapter or synthetic preset (e.g. qwen2-vl, llava-onevision, synth-anyres); v1: ""
 * @param ropeAxes       v2: 1 (1-D RoPE) or 3 (M-RoPE); v1: 1
 * @param decodeSteps    S, generated tokens whose keys and values the optional decode part (decode.arrow, decode-part
 *                       version {@link TraceSchema#DECODE_VERSION}) stores at positions T..T+S-1; their queries are the
 *                       probes, so S > 0 needs P = S. 0: no decode part (every v1 / v2 trace written before it existed)
 */
public record TraceMetadata(String modelName, int layers, int queryHeads, int kvHeads, int headDim, double ropeBase,
                            CacheDtype dtype, int tokensPerImage, int tokens, int prefillQueries, int probes, String source,
                            String version, String architecture, int ropeAxes, int decodeSteps) {
    /** A trace without a decode part. */
    public TraceMetadata(String modelName, int layers, int queryHeads, int kvHeads, int headDim, double ropeBase,
                         CacheDtype dtype, int tokensPerImage, int tokens, int prefillQueries, int probes, String source,
                         String version, String architecture, int ropeAxes) {
        this(modelName, layers, queryHeads, kvHeads, headDim, ropeBase, dtype, tokensPerImage, tokens, prefillQueries, probes, source,
                version, architecture, ropeAxes, 0);
    }

    public TraceMetadata {
        if (version == null || !TraceSchema.SUPPORTED_VERSIONS.contains(version))
            throw new IllegalArgumentException("version must be one of " + TraceSchema.SUPPORTED_VERSIONS + ", was " + version);
        if (architecture == null) architecture = "";
        if (version.equals(TraceSchema.VERSION_2) && architecture.isBlank())
            throw new IllegalArgumentException("a version-2 trace names its architecture");
        if (ropeAxes != 1 && ropeAxes != TraceSchema.ROPE_AXES_MROPE)
            throw new IllegalArgumentException("ropeAxes must be 1 or " + TraceSchema.ROPE_AXES_MROPE + ", was " + ropeAxes);
        if (version.equals(TraceSchema.VERSION_1) && (!architecture.isEmpty() || ropeAxes != 1))
            throw new IllegalArgumentException("a version-1 trace has no architecture and 1-D RoPE");
        if (modelName == null || modelName.isBlank()) throw new IllegalArgumentException("modelName must not be blank");
        if (source == null) source = "";
        if (dtype == null) throw new IllegalArgumentException("dtype must not be null");
        positive("layers", layers);
        positive("headDim", headDim);
        positive("tokens", tokens);
        new HeadGroups(queryHeads, kvHeads);
        if (!(ropeBase > 0) || Double.isInfinite(ropeBase)) throw new IllegalArgumentException("ropeBase must be finite and > 0, was " + ropeBase);
        if (tokensPerImage < 0) throw new IllegalArgumentException("tokensPerImage must be >= 0 (0: varies), was " + tokensPerImage);
        if (prefillQueries < 0 || prefillQueries > tokens)
            throw new IllegalArgumentException("prefillQueries must be in [0, T=" + tokens + "], was " + prefillQueries);
        if (probes < 0) throw new IllegalArgumentException("probes must be >= 0, was " + probes);
        if (decodeSteps < 0) throw new IllegalArgumentException("decodeSteps must be >= 0, was " + decodeSteps);
        if (decodeSteps > 0 && probes != decodeSteps)
            throw new IllegalArgumentException("decodeSteps = " + decodeSteps + " needs probes = " + decodeSteps
                    + " (the decode part's queries are the probes, one per generated token), was " + probes);
        if ((long) tokens + decodeSteps > Integer.MAX_VALUE)
            throw new IllegalArgumentException("tokens + decodeSteps must fit an int, was " + tokens + " + " + decodeSteps);
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be >= 1, was " + value);
    }

    public HeadGroups headGroups() { return new HeadGroups(queryHeads, kvHeads); }

    public boolean hasPrefillQueries() { return prefillQueries > 0; }

    /** True when every prefill position has its query (full recomputation is possible). */
    public boolean hasAllPrefillQueries() { return prefillQueries == tokens; }

    public boolean hasProbes() { return probes > 0; }

    /** True when the trace carries the decode part (decode.arrow: K/V of the S generated tokens). */
    public boolean hasDecode() { return decodeSteps > 0; }

    /** The same trace with a decode part of {@code steps} generated tokens (0: none). */
    public TraceMetadata withDecodeSteps(int steps) {
        return new TraceMetadata(modelName, layers, queryHeads, kvHeads, headDim, ropeBase, dtype, tokensPerImage,
                tokens, prefillQueries, probes, source, version, architecture, ropeAxes, steps);
    }

    /** Bytes of K and V on disk for the whole trace, 2·L·Hkv·T·D·bytes(dtype). */
    public long kvBytes() { return 2L * layers * kvHeads * tokens * headDim * dtype.bytes(); }

    public TraceMetadata withTokens(int newTokens, int newPrefillQueries) {
        return new TraceMetadata(modelName, layers, queryHeads, kvHeads, headDim, ropeBase, dtype, tokensPerImage,
                newTokens, newPrefillQueries, probes, source, version, architecture, ropeAxes, decodeSteps);
    }

    public TraceMetadata withDtype(CacheDtype newDtype) {
        return new TraceMetadata(modelName, layers, queryHeads, kvHeads, headDim, ropeBase, newDtype, tokensPerImage,
                tokens, prefillQueries, probes, source, version, architecture, ropeAxes, decodeSteps);
    }

    public TraceMetadata withSource(String newSource) {
        return new TraceMetadata(modelName, layers, queryHeads, kvHeads, headDim, ropeBase, dtype, tokensPerImage,
                tokens, prefillQueries, probes, newSource, version, architecture, ropeAxes, decodeSteps);
    }

    /** True for a version-2 trace (layout.arrow has the per-token v2 columns). */
    public boolean isVersion2() { return version.equals(TraceSchema.VERSION_2); }

    /** The same trace as version 2 of the given architecture and RoPE axes. */
    public TraceMetadata asVersion2(String newArchitecture, int newRopeAxes) {
        return new TraceMetadata(modelName, layers, queryHeads, kvHeads, headDim, ropeBase, dtype, tokensPerImage,
                tokens, prefillQueries, probes, source, TraceSchema.VERSION_2, newArchitecture, newRopeAxes, decodeSteps);
    }

    /** The schema metadata map written into a file with the given role (its file name). */
    public Map<String, String> toMap(String fileRole) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(TraceSchema.KEY_VERSION, version);
        m.put(TraceSchema.KEY_FILE, fileRole);
        m.put(TraceSchema.KEY_MODEL, modelName);
        m.put(TraceSchema.KEY_LAYERS, Integer.toString(layers));
        m.put(TraceSchema.KEY_QUERY_HEADS, Integer.toString(queryHeads));
        m.put(TraceSchema.KEY_KV_HEADS, Integer.toString(kvHeads));
        m.put(TraceSchema.KEY_HEAD_DIM, Integer.toString(headDim));
        m.put(TraceSchema.KEY_ROPE_BASE, Double.toString(ropeBase));
        m.put(TraceSchema.KEY_DTYPE, dtype.label());
        m.put(TraceSchema.KEY_TOKENS_PER_IMAGE, Integer.toString(tokensPerImage));
        m.put(TraceSchema.KEY_TOKENS, Integer.toString(tokens));
        m.put(TraceSchema.KEY_PREFILL_QUERIES, Integer.toString(prefillQueries));
        m.put(TraceSchema.KEY_PROBES, Integer.toString(probes));
        m.put(TraceSchema.KEY_SOURCE, source);
        if (isVersion2()) {
            m.put(TraceSchema.KEY_ARCHITECTURE, architecture);
            m.put(TraceSchema.KEY_ROPE_AXES, Integer.toString(ropeAxes));
        }
        if (hasDecode()) {                                  // absent without a decode part: older traces keep their bytes
            m.put(TraceSchema.KEY_DECODE_VERSION, TraceSchema.DECODE_VERSION);
            m.put(TraceSchema.KEY_DECODE_STEPS, Integer.toString(decodeSteps));
        }
        return m;
    }

    /**
     * Parses a file's schema metadata. The version is checked first, so an old or foreign file fails with a
     * version message rather than a missing-key one.
     *
     * @throws TraceFormatException naming the file and the bad key
     */
    public static TraceMetadata fromMap(Path file, Map<String, String> map) {
        Map<String, String> m = map == null ? Map.of() : map;
        String version = m.get(TraceSchema.KEY_VERSION);
        if (version == null)
            throw TraceFormatException.in(file, "no '" + TraceSchema.KEY_VERSION + "' in the Arrow schema metadata: not a LOOK-M trace"
                    + " file, or written by a tool that dropped the metadata (expected version " + TraceSchema.VERSION_2 + " or "
                    + TraceSchema.VERSION_1 + ")");
        if (!TraceSchema.SUPPORTED_VERSIONS.contains(version))
            throw TraceFormatException.in(file, "trace version '" + version + "' is not supported: this reader reads versions "
                    + String.join(" and ", TraceSchema.SUPPORTED_VERSIONS) + " (re-record or convert the trace)");
        boolean v2 = version.equals(TraceSchema.VERSION_2);
        String decodeVersion = m.get(TraceSchema.KEY_DECODE_VERSION);
        if (decodeVersion != null && !decodeVersion.equals(TraceSchema.DECODE_VERSION))
            throw TraceFormatException.in(file, "decode part version '" + decodeVersion + "' (" + TraceSchema.KEY_DECODE_VERSION
                    + ") is not supported: this reader reads decode part version " + TraceSchema.DECODE_VERSION);
        if ((decodeVersion == null) != (m.get(TraceSchema.KEY_DECODE_STEPS) == null))
            throw TraceFormatException.in(file, "has " + (decodeVersion == null ? "'" + TraceSchema.KEY_DECODE_STEPS + "' without '"
                    + TraceSchema.KEY_DECODE_VERSION : "'" + TraceSchema.KEY_DECODE_VERSION + "' without '" + TraceSchema.KEY_DECODE_STEPS)
                    + "': a decode part carries both");
        try {
            CacheDtype dtype = CacheDtype.fromLabel(required(file, m, TraceSchema.KEY_DTYPE));
            if (dtype == null)
                throw TraceFormatException.in(file, TraceSchema.KEY_DTYPE + " = '" + m.get(TraceSchema.KEY_DTYPE) + "': expected float16 or float32");
            return new TraceMetadata(required(file, m, TraceSchema.KEY_MODEL), integer(file, m, TraceSchema.KEY_LAYERS),
                    integer(file, m, TraceSchema.KEY_QUERY_HEADS), integer(file, m, TraceSchema.KEY_KV_HEADS),
                    integer(file, m, TraceSchema.KEY_HEAD_DIM), number(file, m, TraceSchema.KEY_ROPE_BASE), dtype,
                    integer(file, m, TraceSchema.KEY_TOKENS_PER_IMAGE), integer(file, m, TraceSchema.KEY_TOKENS),
                    integer(file, m, TraceSchema.KEY_PREFILL_QUERIES), integer(file, m, TraceSchema.KEY_PROBES),
                    m.getOrDefault(TraceSchema.KEY_SOURCE, ""), version, v2 ? required(file, m, TraceSchema.KEY_ARCHITECTURE) : "",
                    v2 ? integer(file, m, TraceSchema.KEY_ROPE_AXES) : 1,
                    decodeVersion == null ? 0 : integer(file, m, TraceSchema.KEY_DECODE_STEPS));
        } catch (TraceFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw TraceFormatException.in(file, "inconsistent metadata: " + e.getMessage());
        }
    }

    private static String required(Path file, Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw TraceFormatException.in(file, "missing metadata key '" + key + "'");
        return v;
    }

    private static int integer(Path file, Map<String, String> m, String key) {
        String v = required(file, m, key);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw TraceFormatException.in(file, "metadata '" + key + "' = '" + v + "' is not an integer");
        }
    }

    private static double number(Path file, Map<String, String> m, String key) {
        String v = required(file, m, key);
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw TraceFormatException.in(file, "metadata '" + key + "' = '" + v + "' is not a number");
        }
    }

    /** Starts from the shape; everything else has a default (float16, no queries, no probes). */
    public static Builder builder(String modelName, int layers, int queryHeads, int kvHeads, int headDim, int tokens) {
        return new Builder(modelName, layers, queryHeads, kvHeads, headDim, tokens);
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        /** LLaMA's RoPE base. */
        public static final double DEFAULT_ROPE_BASE = 10_000.0;
        private final String modelName;
        private final int layers, queryHeads, kvHeads, headDim, tokens;
        private double ropeBase = DEFAULT_ROPE_BASE;
        private CacheDtype dtype = CacheDtype.FLOAT16;
        private int tokensPerImage, prefillQueries, probes;
        private String source = "";

        private Builder(String modelName, int layers, int queryHeads, int kvHeads, int headDim, int tokens) {
            this.modelName = modelName;
            this.layers = layers;
            this.queryHeads = queryHeads;
            this.kvHeads = kvHeads;
            this.headDim = headDim;
            this.tokens = tokens;
        }

        public Builder ropeBase(double v) { ropeBase = v; return this; }
        public Builder dtype(CacheDtype v) { dtype = v; return this; }
        public Builder tokensPerImage(int v) { tokensPerImage = v; return this; }
        public Builder prefillQueries(int v) { prefillQueries = v; return this; }
        public Builder probes(int v) { probes = v; return this; }
        public Builder source(String v) { source = v; return this; }

        public TraceMetadata build() {
            return new TraceMetadata(modelName, layers, queryHeads, kvHeads, headDim, ropeBase, dtype, tokensPerImage,
                    tokens, prefillQueries, probes, source, TraceSchema.VERSION_1, "", 1);
        }
    }
}
