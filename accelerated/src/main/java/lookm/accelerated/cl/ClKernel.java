package lookm.accelerated.cl;

/** One kernel function with its arguments; set them in order with the fluent {@code arg} methods, then {@link #launch}. */
public final class ClKernel implements AutoCloseable {
    private final ClHost.Kernel kernel;
    private final String name;
    private int next;

    ClKernel(ClHost.Kernel kernel, String name) {
        this.kernel = kernel;
        this.name = name;
    }

    public ClKernel arg(ClBuffer buffer) {
        kernel.arg(next++, buffer.mem());
        return this;
    }

    public ClKernel arg(int value) {
        kernel.arg(next++, value);
        return this;
    }

    public ClKernel arg(float value) {
        kernel.arg(next++, value);
        return this;
    }

    public ClKernel arg(long value) {
        kernel.arg(next++, value);
        return this;
    }

    /** Sets argument {@code index} again (e.g. an offset between launches); the next fluent {@code arg} is unchanged. */
    public ClKernel set(int index, int value) {
        kernel.arg(index, value);
        return this;
    }

    /** How many arguments the fluent {@code arg} methods have set: the index of the next one. */
    public int argumentCount() { return next; }

    /** A {@code __local} argument of {@code bytes} bytes. */
    public ClKernel local(long bytes) {
        kernel.local(next++, bytes);
        return this;
    }

    /**
     * Enqueues the kernel over {@code global} work-items (1 to 3 dimensions) in work-groups of {@code local}
     * (null: the driver chooses). Every global size must be a multiple of the local size.
     */
    public void launch(long[] global, long[] local) {
        for (long g : global) if (g <= 0) throw new IllegalArgumentException(name + ": global size must be positive, got " + java.util.Arrays.toString(global));
        kernel.launch(global, local);
    }

    public String name() { return name; }

    @Override public void close() { kernel.release(); }
}
