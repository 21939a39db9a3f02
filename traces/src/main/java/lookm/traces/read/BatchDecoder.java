package lookm.traces.read;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceFormatException;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/** Copies the columns of one loaded batch into float32 arrays, checking indices, nulls and finiteness. */
final class BatchDecoder {
    private BatchDecoder() {}

    /** Names a row for error messages, e.g. "layer 2, kv_head 1, token 17". */
    interface RowName { String of(int row); }

    /** Requires column[row] == expected.of(row) for every row; names the first disagreeing row. */
    static void requireIndex(Path file, VectorSchemaRoot root, String column, java.util.function.IntUnaryOperator expected, RowName where) {
        IntVector v = (IntVector) root.getVector(column);
        for (int r = 0; r < root.getRowCount(); r++) {
            int want = expected.applyAsInt(r);
            if (v.get(r) != want)
                throw TraceFormatException.in(file, where.of(r) + ": column '" + column + "' is " + v.get(r) + ", expected " + want
                        + " (rows must be ordered by head, then position, one batch per layer" + ")");
        }
    }

    /** Copies rows·D elements of a FixedSizeList column into dst[offset ..), widening float16. */
    static void vectors(Path file, VectorSchemaRoot root, String column, CacheDtype dtype, float[] dst, int offset, RowName where) {
        FixedSizeListVector list = (FixedSizeListVector) root.getVector(column);
        FieldVector items = list.getDataVector();
        int n = root.getRowCount() * list.getListSize();
        if (items.getValueCount() < n)
            throw TraceFormatException.in(file, where.of(0) + ": column '" + column + "' holds " + items.getValueCount()
                    + " elements for " + root.getRowCount() + " rows of " + list.getListSize());
        if (items.getNullCount() > 0)
            throw TraceFormatException.in(file, where.of(0) + ": column '" + column + "' has null elements");
        ArrowBuf data = items.getDataBuffer();
        switch (dtype) {
            case FLOAT32 -> {
                FloatBuffer floats = data.nioBuffer(0, n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                floats.get(dst, offset, n);
            }
            case FLOAT16 -> {
                ShortBuffer halves = data.nioBuffer(0, n * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                for (int i = 0; i < n; i++) dst[offset + i] = Float16.toFloat(halves.get(i));
            }
        }
        requireFinite(file, column, dst, offset, n, list.getListSize(), where);
    }

    /** Copies a float32 column into dst[offset ..). */
    static void floats(Path file, VectorSchemaRoot root, String column, float[] dst, int offset, RowName where) {
        Float4Vector v = (Float4Vector) root.getVector(column);
        int n = root.getRowCount();
        v.getDataBuffer().nioBuffer(0, n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, offset, n);
        requireFinite(file, column, dst, offset, n, 1, where);
    }

    /** Rejects NaN and ±Inf in dst[offset, offset + n), naming the row (via {@code where}) and the element. */
    static void requireFinite(Path file, String column, float[] dst, int offset, int n, int width, RowName where) {
        for (int i = 0; i < n; i++) {
            float v = dst[offset + i];
            if (Float.isNaN(v) || Float.isInfinite(v))
                throw TraceFormatException.in(file, where.of(i / width) + ": column '" + column + "' has " + v
                        + (width > 1 ? " at element " + i % width : "") + " (values must be finite)");
        }
    }
}
