package lookm.traces.schema;

import java.nio.file.Path;

/**
 * A trace that cannot be read or written as asked. The message is meant for a user: it names the file and,
 * where they apply, the layer, head and token, and never needs a stack trace to be understood.
 */
public final class TraceFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public TraceFormatException(String message) { super(message); }

    public TraceFormatException(String message, Throwable cause) { super(message, cause); }

    /** "{file}: {detail}", the file shown as given. */
    public static TraceFormatException in(Path file, String detail) {
        return new TraceFormatException(file + ": " + detail);
    }

    /** "{file}: {detail}" keeping the low-level cause for debugging, its message appended. */
    public static TraceFormatException in(Path file, String detail, Throwable cause) {
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new TraceFormatException(file + ": " + detail + " (" + reason + ")", cause);
    }
}
