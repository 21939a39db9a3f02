package lookm.traces.read;

import java.nio.file.Path;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;

/**
 * Reads a whole trace, layer by layer (memory: one layer), and reports the first problem. It runs exactly the
 * checks every reader of the trace runs ({@link TraceReader} is the one check list: replay reads through it too),
 * on every part of every layer, so a trace that validates is one that replay accepts.
 */
public final class TraceValidator {
    private TraceValidator() {}

    /**
     * Checks integrity data (sha256, sizes, rows, batches, when the trace has it), versions, columns, metadata
     * agreement and sizes against the files, layout coverage, batch counts and sizes, row order, positions, that
     * every value is finite, attention >= 0 with each head summing to T, and probe positions equal across layers.
     * Never throws for a bad trace: the report carries the problem.
     */
    public static ValidationReport validate(Path trace) {
        TraceMetadata meta = null;
        int checked = 0;
        String integrity = null;
        try (TraceReader r = TraceReader.open(trace)) {
            meta = r.metadata();
            for (int l = 0; l < meta.layers(); l++) {
                r.layer(l);
                checked++;
            }
            integrity = r.integrityStatus();
            return new ValidationReport(trace, meta, checked, integrity, null);
        } catch (TraceFormatException e) {
            return new ValidationReport(trace, meta, checked, integrity, e);
        } catch (IllegalArgumentException e) {
            // a spec type refused the data: still a user-facing problem, never a stack trace
            return new ValidationReport(trace, meta, checked, integrity, new TraceFormatException(trace + ": layer " + checked + ": " + e.getMessage(), e));
        }
    }
}
