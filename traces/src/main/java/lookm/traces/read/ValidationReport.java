package lookm.traces.read;

import java.nio.file.Path;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;

/**
 * Outcome of {@link TraceValidator#validate}: valid, or the first problem found (a message naming file, layer,
 * head and token).
 *
 * @param trace         the trace directory
 * @param metadata      its metadata, or null when it could not be read
 * @param layersChecked layers fully read and checked
 * @param integrity     what the integrity data covered ("... verified for 5 of 5 files", or that it is absent), or
 *                      null when the trace could not be read that far
 * @param problem       the first problem, or null when valid
 */
public record ValidationReport(Path trace, TraceMetadata metadata, int layersChecked, String integrity, TraceFormatException problem) {
    public boolean valid() { return problem == null; }

    /** A one-line verdict for a user. */
    public String message() {
        return valid() ? trace + ": valid LOOK-M trace v" + metadata.version() + (metadata.hasDecode() ? " with a decode part of "
                + metadata.decodeSteps() + " generated tokens" : "") + ", " + layersChecked + " layers checked; " + integrity : problem.getMessage();
    }

    public ValidationReport throwIfInvalid() {
        if (problem != null) throw problem;
        return this;
    }
}
