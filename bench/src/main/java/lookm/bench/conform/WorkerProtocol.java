package lookm.bench.conform;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The conform worker protocol, version {@value #VERSION} (bench/README.md "lookm conform --python"): every message is
 * an 8-byte big-endian length followed by that many bytes of one Arrow IPC stream with one record batch.
 * <ul>
 * <li>Ready (worker to Java, first): a schema-only stream with metadata {@code lookm.conform.version} and {@code ready=true}.</li>
 * <li>Request (Java to worker), one row; schema metadata {@code lookm.conform.version, heads, query_heads, tokens,
 *     head_dim, budget_heavy, budget_recent, covers_cache, has_attention}; columns {@code keys, values} (list&lt;float32&gt;,
 *     (H, T, D) row-major), {@code attention} (list&lt;float32&gt;, (Hq, T) column sums; empty without attention),
 *     {@code image_ids} (list&lt;int32&gt;, per token, -1 for text).</li>
 * <li>Answer (worker to Java), H rows, one per KV head: {@code kept} (list&lt;int32&gt;, ascending positions) and
 *     optionally {@code keys, values} (list&lt;float32&gt;, (C_h, D) merged rows). Schema metadata {@code error} instead
 *     of rows: the variant raised (the message is the error).</li>
 * </ul>
 */
public final class WorkerProtocol {
    /** Protocol version, sent in every request. */
    public static final String VERSION = "1";
    /** Bytes of the length prefix of a message. */
    public static final int LENGTH_PREFIX_BYTES = Long.BYTES;
    public static final String KEY_VERSION = "lookm.conform.version", KEY_ERROR = "error", KEY_READY = "ready";
    public static final String KEPT = "kept", KEYS = "keys", VALUES = "values", ATTENTION = "attention", IMAGE_IDS = "image_ids";

    private WorkerProtocol() {}

    /** What the worker answered for one case: kept positions per head and, when it merged, the new rows. */
    public record Answer(int[][] kept, float[][] keys, float[][] values, String error) {
        /** Whether the worker sent merged keys and values. */
        public boolean merged() { return keys != null; }
    }

    /** One request as Arrow IPC stream bytes (without the length prefix). */
    public static byte[] request(BufferAllocator allocator, KvBlock block, Observation observation, Budget budget) {
        Budget.Resolved b = budget.resolve(block.tokens());
        AccumulatedAttention a = observation == null ? null : observation.accumulatedAttention();
        Map<String, String> meta = new HashMap<>();
        meta.put(KEY_VERSION, VERSION);
        meta.put("heads", Integer.toString(block.heads()));
        meta.put("query_heads", Integer.toString(a == null ? block.heads() : a.queryHeads()));
        meta.put("tokens", Integer.toString(block.tokens()));
        meta.put("head_dim", Integer.toString(block.headDim()));
        meta.put("budget_heavy", Integer.toString(b.heavy()));
        meta.put("budget_recent", Integer.toString(b.recent()));
        meta.put("covers_cache", Boolean.toString(b.coversCache()));
        meta.put("has_attention", Boolean.toString(a != null));
        Schema schema = new Schema(List.of(floatList(KEYS), floatList(VALUES), floatList(ATTENTION), intList(IMAGE_IDS)), meta);
        try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
            fillFloats((ListVector) root.getVector(KEYS), block.keys());
            fillFloats((ListVector) root.getVector(VALUES), block.values());
            fillFloats((ListVector) root.getVector(ATTENTION), a == null ? new float[0] : a.values());
            fillInts((ListVector) root.getVector(IMAGE_IDS), block.layout().imageIds());
            root.setRowCount(1);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not encode a conform request", e);
        }
    }

    /** Whether {@code message} is the worker's first message, a schema-only stream with metadata {@code ready}. */
    public static boolean isReady(BufferAllocator allocator, byte[] message) {
        try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(message), allocator)) {
            Map<String, String> meta = reader.getVectorSchemaRoot().getSchema().getCustomMetadata();
            return meta != null && VERSION.equals(meta.get(KEY_VERSION)) && "true".equals(meta.get(KEY_READY));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Decodes an answer for a block of {@code heads} heads and head dim {@code dim}.
     *
     * @throws MalformedAnswerException naming what is wrong (schema, types, row count, lengths)
     */
    public static Answer answer(BufferAllocator allocator, byte[] message, int heads, int dim) {
        try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(message), allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            Map<String, String> meta = root.getSchema().getCustomMetadata();
            if (meta != null && meta.containsKey(KEY_ERROR)) return new Answer(null, null, null, meta.get(KEY_ERROR));
            if (!reader.loadNextBatch()) throw new MalformedAnswerException("the answer has a schema but no record batch");
            if (root.getRowCount() != heads)
                throw new MalformedAnswerException("the answer has " + root.getRowCount() + " rows, expected one per KV head (H=" + heads + ")");
            int[][] kept = new int[heads][];
            ListVector keptVector = list(root, KEPT, true, ArrowType.ArrowTypeID.Int);
            for (int h = 0; h < heads; h++) kept[h] = ints(keptVector, h);
            ListVector keys = list(root, KEYS, false, ArrowType.ArrowTypeID.FloatingPoint), values = list(root, VALUES, false, ArrowType.ArrowTypeID.FloatingPoint);
            if ((keys == null) != (values == null))
                throw new MalformedAnswerException("the answer has '" + (keys == null ? VALUES : KEYS) + "' without '" + (keys == null ? KEYS : VALUES) + "'");
            if (keys == null) return new Answer(kept, null, null, null);
            float[][] k = new float[heads][], v = new float[heads][];
            for (int h = 0; h < heads; h++) {
                k[h] = floats(keys, h);
                v[h] = floats(values, h);
                if (k[h].length != kept[h].length * dim || v[h].length != kept[h].length * dim)
                    throw new MalformedAnswerException("head " + h + ": merged keys/values have " + k[h].length + "/" + v[h].length
                            + " floats, expected kept count " + kept[h].length + " x D=" + dim);
            }
            return new Answer(kept, k, v, null);
        } catch (IOException | RuntimeException e) {
            if (e instanceof MalformedAnswerException m) throw m;
            throw new MalformedAnswerException("the answer is not a readable Arrow IPC stream: " + e.getMessage());
        }
    }

    /** A worker's answer that does not follow the protocol. */
    public static final class MalformedAnswerException extends RuntimeException {
        public MalformedAnswerException(String message) { super(message); }
    }

    private static Field floatList(String name) {
        return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE),
                List.of(Field.nullable("item", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))));
    }

    private static Field intList(String name) {
        return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE), List.of(Field.nullable("item", new ArrowType.Int(32, true))));
    }

    private static void fillFloats(ListVector list, float[] data) {
        Float4Vector items = (Float4Vector) startRow(list, data.length);
        for (int i = 0; i < data.length; i++) items.set(i, data[i]);
        endRow(list, data.length);
    }

    private static void fillInts(ListVector list, int[] data) {
        IntVector items = (IntVector) startRow(list, data.length);
        for (int i = 0; i < data.length; i++) items.set(i, data[i]);
        endRow(list, data.length);
    }

    /** Allocates a one-row list of {@code n} items and returns its item vector. */
    private static FieldVector startRow(ListVector list, int n) {
        list.allocateNew();
        FieldVector items = list.getDataVector();
        items.setInitialCapacity(n);
        items.allocateNew();
        return items;
    }

    private static void endRow(ListVector list, int n) {
        list.getDataVector().setValueCount(n);
        list.startNewValue(0);
        list.endValue(0, n);
        list.setValueCount(1);
    }

    private static ListVector list(VectorSchemaRoot root, String name, boolean required, ArrowType.ArrowTypeID item) {
        FieldVector v = root.getVector(name);
        if (v == null) {
            if (required) throw new MalformedAnswerException("the answer has no column '" + name + "' (columns: " + root.getSchema().getFields() + ")");
            return null;
        }
        if (!(v instanceof ListVector list) || list.getDataVector().getField().getType().getTypeID() != item)
            throw new MalformedAnswerException("column '" + name + "' must be a list of " + (item == ArrowType.ArrowTypeID.Int ? "int32" : "float32")
                    + ", got " + v.getField().getType() + (v instanceof ListVector l ? " of " + l.getDataVector().getField().getType() : ""));
        ArrowType t = list.getDataVector().getField().getType();
        boolean exact = item == ArrowType.ArrowTypeID.Int ? ((ArrowType.Int) t).getBitWidth() == Integer.SIZE && ((ArrowType.Int) t).getIsSigned()
                : ((ArrowType.FloatingPoint) t).getPrecision() == FloatingPointPrecision.SINGLE;
        if (!exact) throw new MalformedAnswerException("column '" + name + "' must hold " + (item == ArrowType.ArrowTypeID.Int ? "int32" : "float32") + ", got " + t);
        return list;
    }

    private static int[] ints(ListVector list, int row) {
        IntVector items = (IntVector) list.getDataVector();
        int start = checkedStart(list, row), end = list.getElementEndIndex(row);
        int[] out = new int[end - start];
        for (int i = start; i < end; i++) out[i - start] = items.get(i);
        return out;
    }

    private static float[] floats(ListVector list, int row) {
        Float4Vector items = (Float4Vector) list.getDataVector();
        int start = checkedStart(list, row), end = list.getElementEndIndex(row);
        float[] out = new float[end - start];
        for (int i = start; i < end; i++) out[i - start] = items.get(i);
        return out;
    }

    /** The first item of a row, after checking that neither the row nor any of its items is null. */
    private static int checkedStart(ListVector list, int row) {
        if (list.isNull(row)) throw new MalformedAnswerException("column '" + list.getName() + "' is null in row " + row);
        int start = list.getElementStartIndex(row), end = list.getElementEndIndex(row);
        for (int i = start; i < end; i++)
            if (list.getDataVector().isNull(i)) throw new MalformedAnswerException("column '" + list.getName() + "' row " + row + " has a null item");
        return start;
    }
}
