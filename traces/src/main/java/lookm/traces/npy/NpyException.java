package lookm.traces.npy;

/** A NumPy array that cannot be read or does not have the documented name, type or shape. */
public final class NpyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public NpyException(String message) { super(message); }
}
