package lookm.traces.read;

import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TraceSchema;
import org.apache.arrow.vector.types.pojo.ArrowType;

/** File-level checks done at open time: metadata agrees with layout.arrow, columns and batch counts. */
final class SourceChecks {
    private SourceChecks() {}

    /** Largest Java array: a layer's float32 K (or V) must fit in one. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    static ArrowSource kv(ArrowSource s, TraceMetadata meta) {
        keyValueColumns(s, meta);
        s.requireBatchCount((long) meta.layers() * meta.kvHeads(), "one per (layer, kv_head): L=" + meta.layers() + " x Hkv=" + meta.kvHeads());
        String fields = field(TraceSchema.KEY_LAYERS, meta.layers()) + ", " + field(TraceSchema.KEY_KV_HEADS, meta.kvHeads()) + ", "
                + field(TraceSchema.KEY_TOKENS, meta.tokens()) + ", " + field(TraceSchema.KEY_HEAD_DIM, meta.headDim()) + ", "
                + TraceSchema.KEY_DTYPE + "=" + meta.dtype().label();
        requireFits(s, (long) meta.layers() * meta.kvHeads() * meta.tokens(), fields);
        requireArray(s, (long) meta.kvHeads() * meta.tokens() * meta.headDim(), "one layer's keys (Hkv x T x D)", fields);
        return s;
    }

    /** decode.arrow: kv.arrow's columns, one batch per layer of Hkv·S rows (the decode part). */
    static ArrowSource decode(ArrowSource s, TraceMetadata meta) {
        keyValueColumns(s, meta);
        s.requireBatchCount(meta.layers(), "one per layer: L=" + meta.layers());
        String fields = field(TraceSchema.KEY_LAYERS, meta.layers()) + ", " + field(TraceSchema.KEY_KV_HEADS, meta.kvHeads()) + ", "
                + field(TraceSchema.KEY_DECODE_STEPS, meta.decodeSteps()) + ", " + field(TraceSchema.KEY_HEAD_DIM, meta.headDim()) + ", "
                + TraceSchema.KEY_DTYPE + "=" + meta.dtype().label();
        requireFits(s, (long) meta.layers() * meta.kvHeads() * meta.decodeSteps(), fields);
        requireArray(s, (long) meta.kvHeads() * meta.decodeSteps() * meta.headDim(), "one layer's generated keys (Hkv x S x D)", fields);
        return s;
    }

    /** kv.arrow's and decode.arrow's metadata and columns: layer, kv_head, position, key[D], value[D]. */
    private static void keyValueColumns(ArrowSource s, TraceMetadata meta) {
        sameTrace(s, meta);
        indexColumns(s, TraceSchema.COL_KV_HEAD);
        vectorColumn(s, TraceSchema.COL_KEY, meta);
        vectorColumn(s, TraceSchema.COL_VALUE, meta);
    }

    static ArrowSource attention(ArrowSource s, TraceMetadata meta) {
        sameTrace(s, meta);
        indexColumns(s, TraceSchema.COL_QUERY_HEAD);
        s.requireColumn(TraceSchema.COL_ATTENTION, TraceSchema.float32(), null);
        s.requireBatchCount(meta.layers(), "one per layer: L=" + meta.layers());
        String fields = field(TraceSchema.KEY_LAYERS, meta.layers()) + ", " + field(TraceSchema.KEY_QUERY_HEADS, meta.queryHeads())
                + ", " + field(TraceSchema.KEY_TOKENS, meta.tokens());
        requireFits(s, (long) meta.layers() * meta.queryHeads() * meta.tokens(), fields);
        requireArray(s, (long) meta.queryHeads() * meta.tokens(), "one layer's attention (Hq x T)", fields);
        return s;
    }

    /** @param countKey the metadata key giving the queries per head (prefill_queries or probes) */
    static ArrowSource queries(ArrowSource s, TraceMetadata meta, String countKey, int count) {
        sameTrace(s, meta);
        indexColumns(s, TraceSchema.COL_QUERY_HEAD);
        vectorColumn(s, TraceSchema.COL_QUERY, meta);
        s.requireBatchCount(meta.layers(), "one per layer: L=" + meta.layers());
        String fields = field(TraceSchema.KEY_LAYERS, meta.layers()) + ", " + field(TraceSchema.KEY_QUERY_HEADS, meta.queryHeads())
                + ", " + field(countKey, count) + ", " + field(TraceSchema.KEY_HEAD_DIM, meta.headDim()) + ", "
                + TraceSchema.KEY_DTYPE + "=" + meta.dtype().label();
        requireFits(s, (long) meta.layers() * meta.queryHeads() * count, fields);
        requireArray(s, (long) meta.queryHeads() * count * meta.headDim(), "one layer's queries (Hq x n x D)", fields);
        return s;
    }

    /** layout.arrow holds T rows: checked before the (T) arrays are allocated. */
    static void layout(ArrowSource s, TraceMetadata meta) {
        requireFits(s, meta.tokens(), field(TraceSchema.KEY_TOKENS, meta.tokens()));
    }

    private static String field(String key, long value) { return key + "=" + value; }

    /**
     * Bounded reads: the rows the metadata implies, each at least {@link ArrowSource#minRowBytes()} bytes of column
     * buffers, must fit in the bodies of the file's record batches. Checked before anything of that size is allocated,
     * so a header claiming 10^9 tokens in a 96 KB file is refused by name instead of exhausting memory.
     */
    private static void requireFits(ArrowSource s, long rows, String fields) {
        double needed = (double) rows * s.minRowBytes();                    // double: L x H x T x row bytes may pass 2^63
        if (needed > s.bodyBytes())
            throw TraceFormatException.in(s.file(), "the metadata (" + fields + ") implies " + rows + " rows of at least " + s.minRowBytes()
                    + " bytes (" + (long) Math.min(needed, Long.MAX_VALUE) + " bytes), but the file's record batches hold "
                    + s.bodyBytes() + " bytes: a metadata field is wrong or the file is truncated");
    }

    private static void requireArray(ArrowSource s, long elements, String what, String fields) {
        if (elements > MAX_ARRAY || (double) elements * Float.BYTES > Runtime.getRuntime().maxMemory())
            throw TraceFormatException.in(s.file(), "the metadata (" + fields + ") makes " + what + " " + elements
                    + " float32 values, more than one Java array or this JVM's heap (-Xmx) can hold");
    }

    private static void indexColumns(ArrowSource s, String headColumn) {
        s.requireColumn(TraceSchema.COL_LAYER, TraceSchema.int32(), null);
        s.requireColumn(headColumn, TraceSchema.int32(), null);
        s.requireColumn(TraceSchema.COL_POSITION, TraceSchema.int32(), null);
    }

    private static void vectorColumn(ArrowSource s, String name, TraceMetadata meta) {
        ArrowType element = meta.dtype().arrowType();
        s.requireColumn(name, TraceSchema.vectorType(meta.headDim()), element);
    }

    /** The file's metadata must be the layout's: files from different traces must not be mixed. */
    static void sameTrace(ArrowSource s, TraceMetadata meta) {
        if (!s.metadata().equals(meta))
            throw TraceFormatException.in(s.file(), "its metadata disagrees with " + TraceSchema.LAYOUT_FILE + " (files from different traces?): "
                    + s.metadata() + " vs " + meta);
    }
}
