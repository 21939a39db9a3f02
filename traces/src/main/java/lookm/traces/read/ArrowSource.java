package lookm.traces.read;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One Arrow IPC file of a trace, opened for random access to its record batches: only the batch asked for is
 * in memory. Every Arrow or I/O failure becomes a {@link TraceFormatException} naming the file.
 */
final class ArrowSource implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final ArrowFileReader reader;
    private final List<ArrowBlock> blocks;
    private final TraceMetadata metadata;
    private final Schema schema;

    ArrowSource(Path file, BufferAllocator allocator) {
        this.file = file;
        if (!Files.isRegularFile(file)) throw TraceFormatException.in(file, "missing: a trace directory must contain this file");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            reader = new ArrowFileReader(ch, allocator);
            blocks = reader.getRecordBlocks();
            schema = reader.getVectorSchemaRoot().getSchema();
            metadata = TraceMetadata.fromMap(file, schema.getCustomMetadata());
            channel = ch;
        } catch (TraceFormatException e) {
            closeQuietly(ch);
            throw e;
        } catch (NoSuchFileException e) {
            closeQuietly(ch);
            throw TraceFormatException.in(file, "missing", e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw TraceFormatException.in(file, "not a readable Arrow IPC file: truncated or corrupt", e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // the open already failed; its error is the one reported
        }
    }

    Path file() { return file; }

    TraceMetadata metadata() { return metadata; }

    Schema schema() { return schema; }

    int batchCount() { return blocks.size(); }

    /** Requires a column with this name and type; for FixedSizeList columns also the element type. */
    void requireColumn(String name, ArrowType type, ArrowType elementType) {
        Field field = schema().getFields().stream().filter(f -> f.getName().equals(name)).findFirst()
                .orElseThrow(() -> TraceFormatException.in(file, "missing column '" + name + "' (expected " + describe(type, elementType)
                        + "); columns present: " + schema().getFields().stream().map(Field::getName).toList()));
        ArrowType element = field.getChildren().isEmpty() ? null : field.getChildren().get(0).getType();
        if (!field.getType().equals(type) || (elementType != null && !elementType.equals(element)))
            throw TraceFormatException.in(file, "column '" + name + "' has type " + describe(field.getType(), element)
                    + ", expected " + describe(type, elementType));
    }

    private static String describe(ArrowType type, ArrowType element) {
        return element == null ? type.toString() : type + "<" + element + ">";
    }

    boolean hasColumn(String name) {
        return schema().getFields().stream().anyMatch(f -> f.getName().equals(name));
    }

    /**
     * Loads batch {@code index} (the previous one is released) and checks its row count.
     *
     * @param what e.g. "layer 3, kv_head 1", for messages
     */
    VectorSchemaRoot load(int index, int expectedRows, String what) {
        if (index >= blocks.size())
            throw TraceFormatException.in(file, "has " + blocks.size() + " record batches, " + what + " needs batch " + index
                    + ": fewer batches than the metadata announces");
        VectorSchemaRoot root = loadAny(index, what);
        if (root.getRowCount() != expectedRows)
            throw TraceFormatException.in(file, what + ": record batch " + index + " has " + root.getRowCount()
                    + " rows, the metadata implies " + expectedRows);
        return root;
    }

    /** Loads batch {@code index} whatever its row count; rejects nulls. */
    VectorSchemaRoot loadAny(int index, String what) {
        VectorSchemaRoot root;
        try {
            reader.loadRecordBatch(blocks.get(index));
            root = reader.getVectorSchemaRoot();
        } catch (IOException | RuntimeException e) {
            throw TraceFormatException.in(file, "cannot read record batch " + index + " (" + what + "): truncated or corrupt", e);
        }
        for (FieldVector v : root.getFieldVectors())
            if (v.getNullCount() > 0)
                throw TraceFormatException.in(file, what + ": column '" + v.getName() + "' has " + v.getNullCount() + " nulls");
        return root;
    }

    /** Fails if the file has more batches than expected (a trace from another model glued on, say). */
    void requireBatchCount(int expected, String unit) {
        if (blocks.size() != expected)
            throw TraceFormatException.in(file, "has " + blocks.size() + " record batches, expected " + expected + " (" + unit + ")");
    }

    @Override public void close() {
        try (channel) {
            reader.close();
        } catch (IOException e) {
            throw TraceFormatException.in(file, "cannot close", e);
        }
    }
}
