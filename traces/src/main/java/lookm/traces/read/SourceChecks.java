package lookm.traces.read;

import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TraceSchema;
import org.apache.arrow.vector.types.pojo.ArrowType;

/** File-level checks done at open time: metadata agrees with layout.arrow, columns and batch counts. */
final class SourceChecks {
    private SourceChecks() {}

    static ArrowSource kv(ArrowSource s, TraceMetadata meta) {
        sameTrace(s, meta);
        indexColumns(s, TraceSchema.COL_KV_HEAD);
        vectorColumn(s, TraceSchema.COL_KEY, meta);
        vectorColumn(s, TraceSchema.COL_VALUE, meta);
        s.requireBatchCount(meta.layers() * meta.kvHeads(), "one per (layer, kv_head): L=" + meta.layers() + " x Hkv=" + meta.kvHeads());
        return s;
    }

    static ArrowSource attention(ArrowSource s, TraceMetadata meta) {
        sameTrace(s, meta);
        indexColumns(s, TraceSchema.COL_QUERY_HEAD);
        s.requireColumn(TraceSchema.COL_ATTENTION, TraceSchema.float32(), null);
        s.requireBatchCount(meta.layers(), "one per layer: L=" + meta.layers());
        return s;
    }

    static ArrowSource queries(ArrowSource s, TraceMetadata meta) {
        sameTrace(s, meta);
        indexColumns(s, TraceSchema.COL_QUERY_HEAD);
        vectorColumn(s, TraceSchema.COL_QUERY, meta);
        s.requireBatchCount(meta.layers(), "one per layer: L=" + meta.layers());
        return s;
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
    private static void sameTrace(ArrowSource s, TraceMetadata meta) {
        if (!s.metadata().equals(meta))
            throw TraceFormatException.in(s.file(), "its metadata disagrees with " + TraceSchema.LAYOUT_FILE + " (files from different traces?): "
                    + s.metadata() + " vs " + meta);
    }
}
