package lookm.traces.read;

import java.nio.file.Path;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TraceSchema;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** Positions of stored queries: the same for every query head, window = T-W..T-1, probes ascending and >= T. */
final class QueryPositions {
    private QueryPositions() {}

    /** Reads and checks the position column of a (Hq·n)-row batch; returns the n positions of head 0. */
    static int[] read(Path file, VectorSchemaRoot root, TraceMetadata meta, int count, boolean probe, BatchDecoder.RowName row) {
        IntVector column = (IntVector) root.getVector(TraceSchema.COL_POSITION);
        int[] positions = new int[count];
        for (int i = 0; i < count; i++) positions[i] = column.get(i);
        int t = meta.tokens();
        for (int i = 0; i < count; i++) {
            boolean ok = probe ? positions[i] >= t && (i == 0 || positions[i] > positions[i - 1]) : positions[i] == t - count + i;
            if (!ok)
                throw TraceFormatException.in(file, row.of(i) + ": position " + positions[i] + " is not "
                        + (probe ? "ascending and >= T=" + t + " (probes are decode steps)" : "T-W+" + i + " = " + (t - count + i)
                        + " (prefill queries are the last W=" + count + " positions)"));
        }
        for (int r = count; r < root.getRowCount(); r++)
            if (column.get(r) != positions[r % count])
                throw TraceFormatException.in(file, row.of(r) + ": position " + column.get(r) + " differs from query head 0's "
                        + positions[r % count] + " (every head has the same positions)");
        return positions;
    }
}
