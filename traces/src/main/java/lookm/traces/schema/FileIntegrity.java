package lookm.traces.schema;

import java.nio.charset.StandardCharsets;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * One row of integrity.arrow ({@link TraceSchema#integrity}): what a writer recorded about one data file.
 *
 * @param file    its name, one of {@link TraceSchema#DATA_FILES}
 * @param bytes   its size
 * @param rows    rows over all its record batches
 * @param batches its record batches
 * @param sha256  the sha256 of the whole file, 64 lower-case hex digits
 */
public record FileIntegrity(String file, long bytes, long rows, int batches, String sha256) {
    /** Row {@code row} of a loaded integrity.arrow batch (columns already type-checked). */
    public static FileIntegrity read(VectorSchemaRoot root, int row) {
        return new FileIntegrity(utf8(root, TraceSchema.COL_FILE, row), ((BigIntVector) root.getVector(TraceSchema.COL_BYTES)).get(row),
                ((BigIntVector) root.getVector(TraceSchema.COL_ROWS)).get(row), ((IntVector) root.getVector(TraceSchema.COL_BATCHES)).get(row),
                utf8(root, TraceSchema.COL_SHA256, row));
    }

    /** Sets row {@code row} of an allocated integrity.arrow batch. */
    public void write(VectorSchemaRoot root, int row) {
        ((VarCharVector) root.getVector(TraceSchema.COL_FILE)).setSafe(row, file.getBytes(StandardCharsets.UTF_8));
        ((BigIntVector) root.getVector(TraceSchema.COL_BYTES)).set(row, bytes);
        ((BigIntVector) root.getVector(TraceSchema.COL_ROWS)).set(row, rows);
        ((IntVector) root.getVector(TraceSchema.COL_BATCHES)).set(row, batches);
        ((VarCharVector) root.getVector(TraceSchema.COL_SHA256)).setSafe(row, sha256.getBytes(StandardCharsets.UTF_8));
    }

    private static String utf8(VectorSchemaRoot root, String column, int row) {
        return new String(((VarCharVector) root.getVector(column)).get(row), StandardCharsets.UTF_8);
    }
}
