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
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
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
    private final long size;
    /** Set when a batch failed to load: Arrow may then hold buffers this reader cannot release (reported, not leaked silently). */
    private boolean failed;
    /** Runs once, before the first batch is loaded (the integrity check), or null. */
    private Runnable beforeFirstLoad;

    ArrowSource(Path file, BufferAllocator allocator) {
        this.file = file;
        if (Files.isSymbolicLink(file) && !Files.exists(file)) throw TraceFormatException.in(file, "is a dangling symbolic link");
        if (Files.isDirectory(file)) throw TraceFormatException.in(file, "is a directory, expected an Arrow IPC file");
        if (!Files.isRegularFile(file)) throw TraceFormatException.in(file, "missing: a trace directory must contain this file");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            size = ch.size();
            reader = new ArrowFileReader(ch, allocator);
            blocks = reader.getRecordBlocks();
            requireBlocksInsideFile();                                      // before any batch buffer is allocated
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

    /** Every record batch the footer lists must lie inside the file, so loading one never allocates more than the file holds. */
    private void requireBlocksInsideFile() {
        for (int b = 0; b < blocks.size(); b++) {
            ArrowBlock block = blocks.get(b);
            long end = block.getOffset() + block.getMetadataLength() + block.getBodyLength();
            if (block.getOffset() < 0 || block.getMetadataLength() < 0 || block.getBodyLength() < 0 || end > size || end < 0)
                throw TraceFormatException.in(file, "the footer places record batch " + b + " at bytes [" + block.getOffset() + ", "
                        + end + "), outside the file's " + size + " bytes: truncated or corrupt");
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

    /** Bytes of the file on disk. */
    long size() { return size; }

    /** Bytes of record batch {@code index}: its message header and body. */
    long blockBytes(int index) {
        ArrowBlock block = blocks.get(index);
        return block.getMetadataLength() + block.getBodyLength();
    }

    /** Bytes of the bodies of all record batches (the column buffers). */
    long bodyBytes() {
        long sum = 0;
        for (ArrowBlock block : blocks) sum += block.getBodyLength();
        return sum;
    }

    /** Bytes of body of record batch {@code index}. */
    long bodyBytes(int index) { return blocks.get(index).getBodyLength(); }

    /**
     * Least bytes of column buffers one row occupies, from the schema: 4 per int32, 2/4/8 per float16/32/64, D
     * elements per FixedSizeList&lt;D&gt;, 4 per utf8 (its offset; the characters may be empty). A lower bound for any
     * valid file, so rows x minRowBytes above the body bytes proves the metadata or the file wrong.
     */
    long minRowBytes() {
        long sum = 0;
        for (Field f : schema.getFields()) sum += minBytes(f);
        return sum;
    }

    private static long minBytes(Field f) {
        ArrowType type = f.getType();
        if (type instanceof ArrowType.Int i) return i.getBitWidth() / Byte.SIZE;
        if (type instanceof ArrowType.FloatingPoint fp) return switch (fp.getPrecision()) {
            case HALF -> Short.BYTES;
            case SINGLE -> Float.BYTES;
            case DOUBLE -> Double.BYTES;
        };
        if (type instanceof ArrowType.Utf8) return BaseVariableWidthVector.OFFSET_WIDTH;
        if (type instanceof ArrowType.FixedSizeList list && !f.getChildren().isEmpty())
            return (long) list.getListSize() * minBytes(f.getChildren().get(0));
        return 0;                                                            // other types: no claim (columns are type-checked)
    }

    /** Whether a batch of this file failed to load (its buffers may not have been released). */
    boolean failed() { return failed; }

    /** Registers a check to run once before the first batch is loaded; a failing check fails every later load too. */
    void beforeFirstLoad(Runnable check) { beforeFirstLoad = check; }

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
        if ((double) expectedRows * minRowBytes() > bodyBytes(index))
            throw TraceFormatException.in(file, what + ": record batch " + index + " has " + bodyBytes(index) + " bytes of columns, "
                    + expectedRows + " rows need at least " + (long) ((double) expectedRows * minRowBytes()) + ": truncated or corrupt");
        VectorSchemaRoot root = loadAny(index, what);
        if (root.getRowCount() != expectedRows)
            throw TraceFormatException.in(file, what + ": record batch " + index + " has " + root.getRowCount()
                    + " rows, the metadata implies " + expectedRows);
        return root;
    }

    /** Loads batch {@code index} whatever its row count; rejects nulls. */
    VectorSchemaRoot loadAny(int index, String what) {
        if (beforeFirstLoad != null) {
            beforeFirstLoad.run();                                          // throws on every call while it fails
            beforeFirstLoad = null;
        }
        VectorSchemaRoot root;
        try {
            reader.loadRecordBatch(blocks.get(index));
            root = reader.getVectorSchemaRoot();
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw TraceFormatException.in(file, "cannot read record batch " + index + " (" + what + "): truncated or corrupt", e);
        }
        for (FieldVector v : root.getFieldVectors()) {
            requireBuffers(v, root.getRowCount(), what, v.getName());
            if (v.getNullCount() > 0)
                throw TraceFormatException.in(file, what + ": column '" + v.getName() + "' has " + v.getNullCount() + " nulls");
        }
        return root;
    }

    /**
     * The loaded buffers must hold what the batch header claims: validity bits, fixed-width values, offsets, list
     * children. Arrow slices them from the body without checking, so a lying header would otherwise read past them.
     */
    private void requireBuffers(FieldVector v, long rows, String what, String column) {
        if (v.getValueCount() != rows)
            throw corruptBuffers(what, column, "holds " + v.getValueCount() + " values for " + rows + " rows");
        ArrowBuf validity = v.getValidityBuffer();
        if (validity != null && validity.capacity() < (rows + Byte.SIZE - 1) / Byte.SIZE)
            throw corruptBuffers(what, column, "validity buffer has " + validity.capacity() + " bytes for " + rows + " rows");
        if (v instanceof BaseFixedWidthVector fixed) {
            if (fixed.getDataBuffer().capacity() < rows * fixed.getTypeWidth())
                throw corruptBuffers(what, column, "data buffer has " + fixed.getDataBuffer().capacity() + " bytes for " + rows
                        + " values of " + fixed.getTypeWidth() + " bytes");
        } else if (v instanceof BaseVariableWidthVector variable) {
            requireOffsets(variable, rows, what, column);
        } else if (v instanceof FixedSizeListVector list) {
            requireBuffers(list.getDataVector(), rows * list.getListSize(), what, column + "." + list.getDataVector().getName());
        }
    }

    /** Offsets of a utf8 column: (rows + 1) of them, non-decreasing, inside the data buffer. */
    private void requireOffsets(BaseVariableWidthVector v, long rows, String what, String column) {
        ArrowBuf offsets = v.getOffsetBuffer();
        if (rows == 0) return;
        if (offsets.capacity() < (rows + 1) * BaseVariableWidthVector.OFFSET_WIDTH)
            throw corruptBuffers(what, column, "offset buffer has " + offsets.capacity() + " bytes for " + rows + " rows");
        long data = v.getDataBuffer().capacity();
        int previous = offsets.getInt(0);
        if (previous < 0) throw corruptBuffers(what, column, "first offset is " + previous);
        for (long r = 1; r <= rows; r++) {
            int offset = offsets.getInt(r * BaseVariableWidthVector.OFFSET_WIDTH);
            if (offset < previous || offset > data)
                throw corruptBuffers(what, column, "offset " + r + " is " + offset + " (after " + previous + ", data buffer " + data + " bytes)");
            previous = offset;
        }
    }

    private TraceFormatException corruptBuffers(String what, String column, String detail) {
        failed = true;
        return TraceFormatException.in(file, what + ": column '" + column + "' " + detail + ": truncated or corrupt record batch");
    }

    /** Fails if the file has more batches than expected (a trace from another model glued on, say). */
    void requireBatchCount(long expected, String unit) {
        if (blocks.size() != expected)
            throw TraceFormatException.in(file, "has " + blocks.size() + " record batches, expected " + expected + " (" + unit + ")");
    }

    @Override public void close() {
        try (channel) {
            reader.close();
        } catch (IOException | RuntimeException e) {
            throw TraceFormatException.in(file, "cannot close", e);
        }
    }
}
