package lookm.traces.schema;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The one definition of the trace format, versions {@value #VERSION_2} and {@value #VERSION_1} (see traces/FORMAT.md). A trace is a
 * directory of Arrow IPC files in a tidy layout: one row per token (per layer and head where that applies).
 *
 * <pre>
 * layout.arrow     v1: position, modality ("text"|"image"), image_index (-1 text)[, token_id]    T rows, any batching
 *                  v2: position, modality ("text"|"image"|"video"|"special"), image_index, video_index,
 *                      tile_index, frame_index (-1 none), rope_t, rope_h, rope_w[, token_id]
 * kv.arrow         layer, kv_head, position, key[D], value[D]                                one batch per (layer, kv_head), T rows
 * attention.arrow  layer, query_head, position, accumulated_attention (float32)              one batch per layer, Hq·T rows
 * queries.arrow    layer, query_head, position, query[D]      (optional, last W positions)   one batch per layer, Hq·W rows
 * probes.arrow     layer, query_head, position, query[D]      (optional, positions >= T)     one batch per layer, Hq·P rows
 * decode.arrow     layer, kv_head, position, key[D], value[D] (optional decode part, S generated tokens at T..T+S-1,
 *                                                              their queries = the probes)    one batch per layer, Hkv·S rows
 * </pre>
 * Rows inside a batch are ordered by (head, position). Vectors are FixedSizeList&lt;D&gt; of the cache dtype.
 */
public final class TraceSchema {
    private TraceSchema() {}

    /** Format versions, checked first by every reader; both are read, the writer writes the metadata's. */
    public static final String VERSION_1 = "1";
    public static final String VERSION_2 = "2";
    public static final java.util.List<String> SUPPORTED_VERSIONS = java.util.List.of(VERSION_1, VERSION_2);
    /** RoPE axes of M-RoPE (temporal, height, width). */
    public static final int ROPE_AXES_MROPE = 3;

    public static final String KEY_VERSION = "lookm.trace.version";
    public static final String KEY_FILE = "lookm.trace.file";
    public static final String KEY_MODEL = "lookm.model.name";
    public static final String KEY_LAYERS = "lookm.model.layers";
    public static final String KEY_QUERY_HEADS = "lookm.model.query_heads";
    public static final String KEY_KV_HEADS = "lookm.model.kv_heads";
    public static final String KEY_HEAD_DIM = "lookm.model.head_dim";
    public static final String KEY_ROPE_BASE = "lookm.model.rope_base";
    public static final String KEY_TOKENS_PER_IMAGE = "lookm.model.tokens_per_image";
    public static final String KEY_DTYPE = "lookm.trace.dtype";
    public static final String KEY_TOKENS = "lookm.trace.tokens";
    public static final String KEY_PREFILL_QUERIES = "lookm.trace.prefill_queries";
    public static final String KEY_PROBES = "lookm.trace.probes";
    public static final String KEY_SOURCE = "lookm.trace.source";
    public static final String KEY_ARCHITECTURE = "lookm.model.architecture";
    public static final String KEY_ROPE_AXES = "lookm.model.rope_axes";
    /** Decode part (optional, any trace version): its own version and the number S of generated tokens it stores. */
    public static final String KEY_DECODE_VERSION = "lookm.decode.version";
    public static final String KEY_DECODE_STEPS = "lookm.trace.decode_steps";
    /** The decode part's version, checked by every reader when the key is present. */
    public static final String DECODE_VERSION = "1";

    public static final String LAYOUT_FILE = "layout.arrow";
    public static final String KV_FILE = "kv.arrow";
    public static final String ATTENTION_FILE = "attention.arrow";
    public static final String QUERIES_FILE = "queries.arrow";
    public static final String PROBES_FILE = "probes.arrow";
    /** The decode part: keys and values of the generated tokens (optional). */
    public static final String DECODE_FILE = "decode.arrow";
    /** Integrity data (optional in v1, written by every writer since): per-file sha256, bytes, rows, batches. */
    public static final String INTEGRITY_FILE = "integrity.arrow";
    /** The data files an integrity manifest may list, in writing order. */
    public static final List<String> DATA_FILES = List.of(LAYOUT_FILE, KV_FILE, ATTENTION_FILE, QUERIES_FILE, PROBES_FILE, DECODE_FILE);

    /** integrity.arrow's schema metadata: the digest algorithm of its {@link #COL_SHA256} column. */
    public static final String KEY_INTEGRITY_ALGORITHM = "lookm.integrity.algorithm";
    public static final String INTEGRITY_ALGORITHM = "sha256";
    public static final String COL_FILE = "file";
    public static final String COL_BYTES = "bytes";
    public static final String COL_ROWS = "rows";
    public static final String COL_BATCHES = "batches";
    public static final String COL_SHA256 = "sha256";

    public static final String COL_LAYER = "layer";
    public static final String COL_KV_HEAD = "kv_head";
    public static final String COL_QUERY_HEAD = "query_head";
    public static final String COL_POSITION = "position";
    public static final String COL_MODALITY = "modality";
    public static final String COL_IMAGE_INDEX = "image_index";
    public static final String COL_TOKEN_ID = "token_id";
    public static final String COL_VIDEO_INDEX = "video_index";
    public static final String COL_TILE_INDEX = "tile_index";
    public static final String COL_FRAME_INDEX = "frame_index";
    /** v2 RoPE position columns, in the order temporal, height, width (1-D RoPE: all three equal). */
    public static final List<String> COL_ROPE = List.of("rope_t", "rope_h", "rope_w");
    public static final String COL_KEY = "key";
    public static final String COL_VALUE = "value";
    public static final String COL_ATTENTION = "accumulated_attention";
    public static final String COL_QUERY = "query";

    public static final String MODALITY_TEXT = "text";
    public static final String MODALITY_IMAGE = "image";
    /** Child field name of the vector columns (pyarrow's default); readers ignore it. */
    public static final String LIST_ITEM = "item";

    private static final int INT_BITS = 32;
    private static final int LONG_BITS = 64;

    public static ArrowType int32() { return new ArrowType.Int(INT_BITS, true); }

    public static ArrowType int64() { return new ArrowType.Int(LONG_BITS, true); }

    public static ArrowType float32() { return CacheDtype.FLOAT32.arrowType(); }

    /** FixedSizeList&lt;D&gt; of the cache dtype. */
    public static ArrowType vectorType(int headDim) { return new ArrowType.FixedSizeList(headDim); }

    public static Field intColumn(String name) { return new Field(name, FieldType.notNullable(int32()), null); }

    public static Field vectorColumn(String name, int headDim, CacheDtype dtype) {
        Field item = new Field(LIST_ITEM, FieldType.notNullable(dtype.arrowType()), null);
        return new Field(name, FieldType.notNullable(vectorType(headDim)), List.of(item));
    }

    public static Schema layout(TraceMetadata m, boolean withTokenIds) {
        List<Field> fields = new ArrayList<>(List.of(intColumn(COL_POSITION),
                new Field(COL_MODALITY, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null), intColumn(COL_IMAGE_INDEX)));
        if (m.isVersion2()) {
            for (String c : List.of(COL_VIDEO_INDEX, COL_TILE_INDEX, COL_FRAME_INDEX)) fields.add(intColumn(c));
            for (String c : COL_ROPE) fields.add(intColumn(c));
        }
        if (withTokenIds) fields.add(intColumn(COL_TOKEN_ID));
        return new Schema(fields, m.toMap(LAYOUT_FILE));
    }

    public static Schema kv(TraceMetadata m) { return kv(m, KV_FILE); }

    /** Schema of kv.arrow or decode.arrow (same columns; decode.arrow has one batch per layer). */
    public static Schema kv(TraceMetadata m, String fileName) {
        return new Schema(List.of(intColumn(COL_LAYER), intColumn(COL_KV_HEAD), intColumn(COL_POSITION),
                vectorColumn(COL_KEY, m.headDim(), m.dtype()), vectorColumn(COL_VALUE, m.headDim(), m.dtype())), m.toMap(fileName));
    }

    public static Schema attention(TraceMetadata m) {
        return new Schema(List.of(intColumn(COL_LAYER), intColumn(COL_QUERY_HEAD), intColumn(COL_POSITION),
                new Field(COL_ATTENTION, FieldType.notNullable(float32()), null)), m.toMap(ATTENTION_FILE));
    }

    /** Schema of queries.arrow or probes.arrow (same columns). */
    public static Schema queries(TraceMetadata m, String fileName) {
        return new Schema(List.of(intColumn(COL_LAYER), intColumn(COL_QUERY_HEAD), intColumn(COL_POSITION),
                vectorColumn(COL_QUERY, m.headDim(), m.dtype())), m.toMap(fileName));
    }

    /**
     * Schema of integrity.arrow: one row per data file of the trace (file, bytes, rows, batches, sha256 as 64 lower-case
     * hex digits), metadata = the trace's metadata plus {@link #KEY_INTEGRITY_ALGORITHM}.
     */
    public static Schema integrity(java.util.Map<String, String> traceMetadata) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>(traceMetadata);
        m.put(KEY_FILE, INTEGRITY_FILE);
        m.put(KEY_INTEGRITY_ALGORITHM, INTEGRITY_ALGORITHM);
        return new Schema(List.of(new Field(COL_FILE, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
                new Field(COL_BYTES, FieldType.notNullable(int64()), null), new Field(COL_ROWS, FieldType.notNullable(int64()), null),
                intColumn(COL_BATCHES), new Field(COL_SHA256, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null)), m);
    }
}
