package lookm.traces.write;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceFormatException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Schema;

/** One Arrow IPC file being written batch by batch; each batch is filled, written, then its buffers freed. */
final class ArrowSink implements AutoCloseable {
    /** Bits of a float16 without its sign. */
    private static final int HALF_MAGNITUDE = 0x7fff;
    /** Magnitude bits of float16 infinity (exponent all ones, mantissa zero). */
    private static final int HALF_INFINITY = 0x7c00;
    private final Path file;
    private final FileChannel channel;
    private final VectorSchemaRoot root;
    private final ArrowFileWriter writer;
    private long rows;
    private int batches;

    ArrowSink(Path file, Schema schema, BufferAllocator allocator) {
        this.file = file;
        FileChannel opened = null;
        VectorSchemaRoot created = null;
        try {
            opened = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            created = VectorSchemaRoot.create(schema, allocator);
            ArrowFileWriter started = new ArrowFileWriter(created, null, opened);
            started.start();
            channel = opened;
            root = created;
            writer = started;
        } catch (IOException | RuntimeException e) {
            // a start that fails (a full disk) closes what it opened: no file stays open, no buffer leaks
            if (created != null) created.close();
            if (opened != null) {
                try {
                    opened.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof IOException io) throw TraceFormatException.in(file, "cannot start writing", io);
            throw (RuntimeException) e;
        }
    }

    /** Allocates {@code rows} rows, lets {@code fill} set them, writes the batch and frees its buffers. */
    void batch(int rows, Consumer<VectorSchemaRoot> fill) {
        root.clear();
        for (var v : root.getFieldVectors()) {
            v.setInitialCapacity(rows);
            v.allocateNew();
        }
        fill.accept(root);
        root.setRowCount(rows);
        try {
            writer.writeBatch();
            this.rows += rows;
            batches++;
        } catch (IOException e) {
            throw TraceFormatException.in(file, "cannot write a record batch", e);
        } finally {
            root.clear();
        }
    }

    Path file() { return file; }

    /** Rows written so far, over all batches. */
    long rows() { return rows; }

    /** Record batches written so far. */
    int batches() { return batches; }

    @Override public void close() {
        try (root; channel) {
            writer.end();
            writer.close();
        } catch (IOException e) {
            throw TraceFormatException.in(file, "cannot finish the file", e);
        }
    }

    /** column[row] = value for rows [from, from + n). */
    static void fill(IntVector column, int from, int n, int value) {
        for (int r = from; r < from + n; r++) column.set(r, value);
    }

    /** column[from + i] = first + i for i in [0, n): positions of a contiguous run. */
    static void range(IntVector column, int from, int n, int first) {
        for (int i = 0; i < n; i++) column.set(from + i, first + i);
    }

    static void utf8(VarCharVector column, int row, byte[] value) { column.setSafe(row, value); }

    /**
     * Rows [row, row + n) of a FixedSizeList&lt;D&gt; column from src[offset .. offset + n·D), converted to dtype.
     *
     * @return the index (relative to offset) of the first value that overflows float16 to infinity, or -1
     */
    static int vectors(FixedSizeListVector column, int row, int n, float[] src, int offset, CacheDtype dtype) {
        int d = column.getListSize();
        for (int r = row; r < row + n; r++) column.setNotNull(r);
        int first = row * d, count = n * d;
        switch (dtype) {
            case FLOAT32 -> {
                Float4Vector items = (Float4Vector) column.getDataVector();
                for (int i = 0; i < count; i++) items.set(first + i, src[offset + i]);
            }
            case FLOAT16 -> {
                Float2Vector items = (Float2Vector) column.getDataVector();
                int overflow = -1;
                for (int i = 0; i < count; i++) {
                    short half = Float16.toFloat16(src[offset + i]);
                    if (overflow < 0 && (half & HALF_MAGNITUDE) == HALF_INFINITY) overflow = i;
                    items.set(first + i, half);
                }
                return overflow;
            }
        }
        return -1;
    }
}
