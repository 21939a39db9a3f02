package lookm.traces.read;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.AttentionSums;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.DecodeTokens;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TracePart;
import lookm.traces.schema.TraceSchema;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Streams a trace layer by layer: opening reads the metadata and the layout; {@link #layer(int)} reads one
 * layer's record batches (random access, any order) and holds nothing else, so replaying a trace needs memory
 * for about one layer. Float16 is widened to float32. Every defect is a {@link TraceFormatException} naming the
 * file and, where they apply, the layer, head and token.
 * <pre>
 * try (TraceReader r = TraceReader.open(dir)) {
 *     for (int l = 0; l &lt; r.metadata().layers(); l++) {
 *         TraceLayer layer = r.layer(l);      // KvBlock (Hkv, T, D) + Observation
 *     }
 * }
 * </pre>
 */
public final class TraceReader implements AutoCloseable {
    private final Path dir;
    private final BufferAllocator allocator = new RootAllocator();
    private final List<ArrowSource> open = new ArrayList<>();
    private final TraceMetadata meta;
    private final TokenLayout layout;
    private final int[] tokenIds;
    private final ArrowSource kv;
    private final ArrowSource attention;
    private final ArrowSource queries;
    private final ArrowSource probes;
    private final ArrowSource decode;
    private final IntegrityCheck integrity;
    /** Probe positions of the first layer read: every layer must have the same (they are the same decode steps). */
    private int[] probePositions;
    private int probePositionsLayer;

    private TraceReader(Path dir) {
        this.dir = dir;
        try {
            // (1) layout.arrow's metadata is the trace's; (2) the integrity manifest must agree with it, and every file
            // is then verified before its first batch is decoded; (3) sizes the metadata implies must fit the files
            ArrowSource layoutSource = track(new ArrowSource(dir.resolve(TraceSchema.LAYOUT_FILE), allocator));
            TraceMetadata m = layoutSource.metadata();
            integrity = IntegrityCheck.open(dir, m, allocator);
            integrity.attach(layoutSource);
            LayoutDecoder.Result l = LayoutDecoder.read(layoutSource);
            meta = l.metadata();
            layout = l.layout();
            tokenIds = l.tokenIds();
            kv = verified(SourceChecks.kv(track(new ArrowSource(dir.resolve(TraceSchema.KV_FILE), allocator)), meta));
            attention = verified(SourceChecks.attention(track(new ArrowSource(dir.resolve(TraceSchema.ATTENTION_FILE), allocator)), meta));
            queries = meta.hasPrefillQueries() ? verified(SourceChecks.queries(track(openOptional(TraceSchema.QUERIES_FILE)), meta,
                    TraceSchema.KEY_PREFILL_QUERIES, meta.prefillQueries())) : null;
            probes = meta.hasProbes() ? verified(SourceChecks.queries(track(openOptional(TraceSchema.PROBES_FILE)), meta,
                    TraceSchema.KEY_PROBES, meta.probes())) : null;
            decode = meta.hasDecode() ? verified(SourceChecks.decode(track(openOptional(TraceSchema.DECODE_FILE)), meta)) : null;
        } catch (RuntimeException e) {
            closeAfter(e);
            throw e;
        }
    }

    private ArrowSource verified(ArrowSource source) {
        integrity.attach(source);
        return source;
    }

    /** Closes after a failure, keeping {@code primary} the reported error (a cleanup error is attached to it). */
    private void closeAfter(RuntimeException primary) {
        try {
            close();
        } catch (RuntimeException cleanup) {
            primary.addSuppressed(cleanup);
        }
    }

    /**
     * Opens the trace directory {@code dir}, checking every file's version, columns, metadata and batch count;
     * layer contents are checked as they are read (or all at once by {@link TraceValidator}).
     */
    public static TraceReader open(Path dir) {
        if (!Files.exists(dir)) throw TraceFormatException.in(dir, "no such trace directory");
        if (!Files.isDirectory(dir))
            throw TraceFormatException.in(dir, "is a file; a trace is a directory holding " + TraceSchema.LAYOUT_FILE + ", "
                    + TraceSchema.KV_FILE + ", " + TraceSchema.ATTENTION_FILE + " and optionally " + TraceSchema.QUERIES_FILE
                    + ", " + TraceSchema.PROBES_FILE);
        return new TraceReader(dir);
    }

    private ArrowSource track(ArrowSource source) {
        open.add(source);
        return source;
    }

    private ArrowSource openOptional(String name) {
        Path file = dir.resolve(name);
        if (!Files.exists(file))
            throw TraceFormatException.in(file, "missing, but the metadata announces " + (name.equals(TraceSchema.QUERIES_FILE)
                    ? meta.prefillQueries() + " prefill queries per head" : name.equals(TraceSchema.PROBES_FILE)
                    ? meta.probes() + " probe queries per head" : TraceSchema.KEY_DECODE_STEPS + "=" + meta.decodeSteps() + " generated tokens"));
        return new ArrowSource(file, allocator);
    }

    public Path path() { return dir; }

    public TraceMetadata metadata() { return meta; }

    /** Modality and image index per position, shape (T). */
    public TokenLayout layout() { return layout; }

    /** Vocabulary ids per position, shape (T), when the trace stores them. */
    public Optional<int[]> tokenIds() { return Optional.ofNullable(tokenIds).map(int[]::clone); }

    /** Every stored part of layer {@code l}. */
    public TraceLayer layer(int l) { return layer(l, TracePart.all()); }

    /** The asked-for parts of layer {@code l}; parts not asked for, or not stored, are null. */
    public TraceLayer layer(int l, Set<TracePart> parts) {
        requireLayer(l);
        KvBlock block = parts.contains(TracePart.KV) ? kv(l) : null;
        AccumulatedAttention a = parts.contains(TracePart.ATTENTION) ? attention(l) : null;
        Queries prefill = parts.contains(TracePart.PREFILL_QUERIES) ? prefillQueries(l).orElse(null) : null;
        Queries probe = parts.contains(TracePart.PROBES) ? probeQueries(l).orElse(null) : null;
        DecodeTokens generated = parts.contains(TracePart.DECODE) ? decode(l).orElse(null) : null;
        return new TraceLayer(l, block, new Observation(a, prefill, probe), generated);
    }

    /**
     * The decode part of layer l: keys and values of the S generated tokens, (Hkv, S, D) float32, positions T..T+S-1,
     * one record batch per layer ordered by (kv_head, position); empty when the trace has no decode part.
     */
    public Optional<DecodeTokens> decode(int l) {
        requireLayer(l);
        if (decode == null) return Optional.empty();
        int t = meta.tokens(), s = meta.decodeSteps(), d = meta.headDim(), h = meta.kvHeads();
        VectorSchemaRoot root = decode.load(l, h * s, "layer " + l);
        BatchDecoder.RowName row = r -> "layer " + l + ", kv_head " + r / s + ", token " + (t + r % s);
        BatchDecoder.requireIndex(decode.file(), root, TraceSchema.COL_LAYER, r -> l, row);
        BatchDecoder.requireIndex(decode.file(), root, TraceSchema.COL_KV_HEAD, r -> r / s, row);
        BatchDecoder.requireIndex(decode.file(), root, TraceSchema.COL_POSITION, r -> t + r % s, row);
        float[] keys = new float[h * s * d];
        float[] values = new float[h * s * d];
        BatchDecoder.vectors(decode.file(), root, TraceSchema.COL_KEY, meta.dtype(), keys, 0, row);
        BatchDecoder.vectors(decode.file(), root, TraceSchema.COL_VALUE, meta.dtype(), values, 0, row);
        return Optional.of(new DecodeTokens(keys, values, h, s, d, t));
    }

    /** Keys and values of layer l, (Hkv, T, D) float32. */
    public KvBlock kv(int l) {
        requireLayer(l);
        int t = meta.tokens(), d = meta.headDim(), h = meta.kvHeads();
        float[] keys = new float[h * t * d];
        float[] values = new float[h * t * d];
        CacheDtype dtype = meta.dtype();
        for (int head = 0; head < h; head++) {
            int kvHead = head;
            String what = "layer " + l + ", kv_head " + head;
            VectorSchemaRoot root = kv.load(l * h + head, t, what);
            BatchDecoder.RowName row = r -> what + ", token " + r;
            BatchDecoder.requireIndex(kv.file(), root, TraceSchema.COL_LAYER, r -> l, row);
            BatchDecoder.requireIndex(kv.file(), root, TraceSchema.COL_KV_HEAD, r -> kvHead, row);
            BatchDecoder.requireIndex(kv.file(), root, TraceSchema.COL_POSITION, r -> r, row);
            BatchDecoder.vectors(kv.file(), root, TraceSchema.COL_KEY, dtype, keys, head * t * d, row);
            BatchDecoder.vectors(kv.file(), root, TraceSchema.COL_VALUE, dtype, values, head * t * d, row);
        }
        return new KvBlock(keys, values, h, t, d, layout);
    }

    /** Accumulated prefill attention of layer l, (Hq, T) float32. */
    public AccumulatedAttention attention(int l) {
        requireLayer(l);
        int t = meta.tokens(), hq = meta.queryHeads();
        VectorSchemaRoot root = attention.load(l, hq * t, "layer " + l);
        BatchDecoder.RowName row = r -> "layer " + l + ", query_head " + r / t + ", token " + r % t;
        BatchDecoder.requireIndex(attention.file(), root, TraceSchema.COL_LAYER, r -> l, row);
        BatchDecoder.requireIndex(attention.file(), root, TraceSchema.COL_QUERY_HEAD, r -> r / t, row);
        BatchDecoder.requireIndex(attention.file(), root, TraceSchema.COL_POSITION, r -> r % t, row);
        float[] values = new float[hq * t];
        BatchDecoder.floats(attention.file(), root, TraceSchema.COL_ATTENTION, values, 0, row);
        for (int i = 0; i < values.length; i++)
            if (values[i] < 0)
                throw TraceFormatException.in(attention.file(), row.of(i) + ": accumulated attention is " + values[i]
                        + "; column sums of attention are >= 0");
        AttentionSums.require(attention.file(), l, values, hq, t, meta.dtype());
        return new AccumulatedAttention(values, hq, t);
    }

    /** The stored prefill queries of layer l, (Hq, W, D), positions T-W..T-1. */
    public Optional<Queries> prefillQueries(int l) {
        requireLayer(l);
        return queries == null ? Optional.empty() : Optional.of(readQueries(queries, l, meta.prefillQueries(), false));
    }

    /** The stored decode probe queries of layer l, (Hq, P, D), positions >= T. */
    public Optional<Queries> probeQueries(int l) {
        requireLayer(l);
        if (probes == null) return Optional.empty();
        Queries q = readQueries(probes, l, meta.probes(), true);
        if (meta.hasDecode())
            for (int i = 0; i < q.count(); i++)
                if (q.positions()[i] != meta.tokens() + i)
                    throw TraceFormatException.in(probes.file(), "layer " + l + ", row " + i + ": position " + q.positions()[i] + ", expected "
                            + (meta.tokens() + i) + ": with a decode part (" + TraceSchema.KEY_DECODE_STEPS + "=" + meta.decodeSteps()
                            + ") the probes are the generated tokens' queries, at T, T+1, ...");
        if (probePositions == null) {
            probePositions = q.positions();
            probePositionsLayer = l;
        } else if (!java.util.Arrays.equals(probePositions, q.positions())) {
            throw TraceFormatException.in(probes.file(), "layer " + l + ": probe positions " + java.util.Arrays.toString(q.positions())
                    + " differ from layer " + probePositionsLayer + "'s " + java.util.Arrays.toString(probePositions)
                    + " (probes are the same decode steps in every layer)");
        }
        return Optional.of(q);
    }

    private Queries readQueries(ArrowSource source, int l, int count, boolean probe) {
        int hq = meta.queryHeads(), d = meta.headDim();
        VectorSchemaRoot root = source.load(l, hq * count, "layer " + l);
        BatchDecoder.RowName row = r -> "layer " + l + ", query_head " + r / count + ", row " + r % count;
        BatchDecoder.requireIndex(source.file(), root, TraceSchema.COL_LAYER, r -> l, row);
        BatchDecoder.requireIndex(source.file(), root, TraceSchema.COL_QUERY_HEAD, r -> r / count, row);
        int[] positions = QueryPositions.read(source.file(), root, meta, count, probe, row);
        float[] data = new float[hq * count * d];
        BatchDecoder.vectors(source.file(), root, TraceSchema.COL_QUERY, meta.dtype(), data, 0, row);
        return new Queries(data, hq, d, positions);
    }

    private void requireLayer(int l) {
        if (l < 0 || l >= meta.layers())
            throw new IllegalArgumentException(dir + ": layer " + l + " does not exist; the trace has layers 0.." + (meta.layers() - 1));
    }

    /** Most bytes of Arrow (off-heap) memory held at once by this reader so far: about one record batch. */
    public long arrowPeakBytes() { return allocator.getPeakMemoryAllocation(); }

    /** Bytes on disk of each file of the trace (integrity.arrow included when present), by file name. */
    public java.util.Map<String, Long> fileSizes() {
        java.util.Map<String, Long> sizes = new java.util.LinkedHashMap<>();
        for (ArrowSource s : open) {
            try {
                sizes.put(s.file().getFileName().toString(), Files.size(s.file()));
            } catch (java.io.IOException e) {
                throw TraceFormatException.in(s.file(), "cannot read its size", e);
            }
        }
        Path manifest = dir.resolve(TraceSchema.INTEGRITY_FILE);
        if (hasIntegrity()) {
            try {
                sizes.put(TraceSchema.INTEGRITY_FILE, Files.size(manifest));
            } catch (java.io.IOException e) {
                throw TraceFormatException.in(manifest, "cannot read its size", e);
            }
        }
        return sizes;
    }

    /** What the integrity data covered so far (or that the trace has none), for validation reports. */
    public String integrityStatus() { return integrity == null ? "integrity not read" : integrity.describe(); }

    /** True when the trace carries integrity data (integrity.arrow). */
    public boolean hasIntegrity() { return integrity != null && integrity.present(); }

    /**
     * Closes every file, then the Arrow allocator. A batch that failed to load may have left buffers Arrow cannot
     * release; that was already reported as the file's defect, so it is not reported again as a leak (which would
     * hide the real error, "Memory was leaked by query"). A leak with no such defect is a bug and is thrown.
     */
    @Override public void close() {
        RuntimeException failure = null;
        boolean defect = false;
        for (ArrowSource s : open) {
            defect |= s.failed();
            try {
                s.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        open.clear();
        try {
            allocator.close();
        } catch (IllegalStateException leak) {
            if (!defect) {
                if (failure == null) failure = leak;
                else failure.addSuppressed(leak);
            }
        }
        if (failure != null) throw failure;
    }
}
