package lookm.traces;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A whole (small) Arrow IPC file in memory as plain Java values, to damage a trace file in a test: edit the
 * metadata, drop or retype a column, change a value, then {@link #write}. Cells: Integer, Float, Double,
 * String, or float[] for FixedSizeList columns.
 */
public final class ArrowTable {
    /** A column: its type (element type for lists) and one cell per row per batch. */
    public static final class Column {
        public ArrowType type;
        public ArrowType element;
        public final List<List<Object>> batches = new ArrayList<>();

        Column(ArrowType type, ArrowType element) {
            this.type = type;
            this.element = element;
        }
    }

    public final Map<String, String> metadata = new LinkedHashMap<>();
    public final LinkedHashMap<String, Column> columns = new LinkedHashMap<>();

    public static ArrowTable read(Path file) {
        ArrowTable t = new ArrowTable();
        try (BufferAllocator a = new RootAllocator(); FileChannel ch = FileChannel.open(file); ArrowFileReader r = new ArrowFileReader(ch, a)) {
            Schema schema = r.getVectorSchemaRoot().getSchema();
            if (schema.getCustomMetadata() != null) t.metadata.putAll(schema.getCustomMetadata());
            for (Field f : schema.getFields())
                t.columns.put(f.getName(), new Column(f.getType(), f.getChildren().isEmpty() ? null : f.getChildren().get(0).getType()));
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                for (FieldVector v : root.getFieldVectors()) t.columns.get(v.getName()).batches.add(cells(v, root.getRowCount()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return t;
    }

    private static List<Object> cells(FieldVector v, int rows) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            if (v instanceof FixedSizeListVector list) {
                int d = list.getListSize();
                float[] cell = new float[d];
                FieldVector items = list.getDataVector();
                for (int k = 0; k < d; k++)
                    cell[k] = items instanceof Float2Vector h ? Float16.toFloat(h.get(i * d + k)) : ((Float4Vector) items).get(i * d + k);
                out.add(cell);
            } else if (v instanceof VarCharVector s) {
                out.add(new String(s.get(i), StandardCharsets.UTF_8));
            } else {
                out.add(v.getObject(i));
            }
        }
        return out;
    }

    public int batchCount() { return columns.values().iterator().next().batches.size(); }

    public void write(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Field> fields = new ArrayList<>();
        for (var e : columns.entrySet()) {
            Column c = e.getValue();
            List<Field> children = c.element == null ? null : List.of(new Field("item", FieldType.notNullable(c.element), null));
            fields.add(new Field(e.getKey(), FieldType.notNullable(c.type), children));
        }
        try (BufferAllocator a = new RootAllocator(); VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields, metadata), a);
             FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
            w.start();
            for (int b = 0; b < batchCount(); b++) {
                int rows = columns.values().iterator().next().batches.get(b).size();
                root.allocateNew();
                for (var e : columns.entrySet()) set(root.getVector(e.getKey()), e.getValue().batches.get(b));
                root.setRowCount(rows);
                w.writeBatch();
            }
            w.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void set(FieldVector v, List<Object> cells) {
        for (int i = 0; i < cells.size(); i++) {
            Object c = cells.get(i);
            if (v instanceof FixedSizeListVector list) {
                float[] cell = (float[]) c;
                list.setNotNull(i);
                FieldVector items = list.getDataVector();
                for (int k = 0; k < cell.length; k++) {
                    int at = i * list.getListSize() + k;
                    if (items instanceof Float2Vector h) h.setSafe(at, Float16.toFloat16(cell[k]));
                    else if (items instanceof Float8Vector f8) f8.setSafe(at, cell[k]);
                    else ((Float4Vector) items).setSafe(at, cell[k]);
                }
            } else if (v instanceof IntVector iv) {
                iv.setSafe(i, ((Number) c).intValue());
            } else if (v instanceof Float4Vector f) {
                f.setSafe(i, ((Number) c).floatValue());
            } else if (v instanceof Float8Vector f) {
                f.setSafe(i, ((Number) c).doubleValue());
            } else if (v instanceof VarCharVector s) {
                s.setSafe(i, c.toString().getBytes(StandardCharsets.UTF_8));
            } else {
                throw new IllegalArgumentException("unsupported column type " + v.getField());
            }
        }
    }
}
