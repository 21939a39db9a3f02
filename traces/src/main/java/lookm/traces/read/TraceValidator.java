package lookm.traces.read;

import java.nio.file.Path;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;

/** Reads a whole trace, layer by layer (memory: one layer), and reports the first problem. */
public final class TraceValidator {
    private TraceValidator() {}

    /**
     * Checks versions, columns, metadata agreement, layout coverage, batch counts and sizes, row order, and that
     * every value is finite (attention also >= 0). Never throws for a bad trace: the report carries the problem.
     */
    public static ValidationReport validate(Path trace) {
        TraceMetadata meta = null;
        int checked = 0;
        try (TraceReader r = TraceReader.open(trace)) {
            meta = r.metadata();
            for (int l = 0; l < meta.layers(); l++) {
                r.layer(l);
                checked++;
            }
            return new ValidationReport(trace, meta, checked, null);
        } catch (TraceFormatException e) {
            return new ValidationReport(trace, meta, checked, e);
        } catch (IllegalArgumentException e) {
            // a spec type refused the data: still a user-facing problem, never a stack trace
            return new ValidationReport(trace, meta, checked, new TraceFormatException(trace + ": layer " + checked + ": " + e.getMessage(), e));
        }
    }
}
