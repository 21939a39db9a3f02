package lookm.traces.read;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import lookm.spec.tensor.Checks;
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
                requireFinite(file, column, dst, offset, n, list.getListSize(), where);
            }
            case FLOAT16 -> {
                ShortBuffer halves = data.nioBuffer(0, n * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                if (!widen(halves, dst, offset, n))                                  // a NaN or ±Inf half: name the first one
                    requireFinite(file, column, dst, offset, n, list.getListSize(), where);
            }
        }
    }

    /** Exponent bits of an IEEE 754 binary16; all ones means ±Inf or NaN. */
    private static final int HALF_EXPONENT = 0x7C00;
    /** Halves copied per bulk read in {@link #widen}. */
    private static final int HALF_CHUNK = 8192;
    /** float32 value of each of the 2^16 float16 bit patterns, from Arrow's {@link Float16#toFloat} (so the same values). */
    private static final float[] HALF_TO_FLOAT = new float[1 << Short.SIZE];

    static {
        for (int h = 0; h < HALF_TO_FLOAT.length; h++) HALF_TO_FLOAT[h] = Float16.toFloat((short) h);
    }

    /**
     * Widens n halves into dst[offset ..), bulk-reading them a chunk at a time and looking each one up in
     * {@link #HALF_TO_FLOAT}, with the finiteness check fused in: true when every half is finite (the exponent bits
     * are not all ones, exactly when the float32 is finite).
     */
    static boolean widen(ShortBuffer halves, float[] dst, int offset, int n) {
        short[] chunk = new short[Math.min(HALF_CHUNK, n)];
        int exponents = 0;                                                          // the largest exponent field seen
        for (int start = 0; start < n; start += chunk.length) {
            int len = Math.min(chunk.length, n - start);
            halves.get(chunk, 0, len);
            for (int i = 0; i < len; i++) {
                int h = chunk[i] & 0xFFFF;
                dst[offset + start + i] = HALF_TO_FLOAT[h];
                exponents = Math.max(exponents, h & HALF_EXPONENT);
            }
        }
        return exponents != HALF_EXPONENT;
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
        int i = Checks.firstNonFinite(dst, offset, n);
        if (i >= 0)
            throw TraceFormatException.in(file, where.of(i / width) + ": column '" + column + "' has " + dst[offset + i]
                    + (width > 1 ? " at element " + i % width : "") + " (values must be finite)");
    }
}
