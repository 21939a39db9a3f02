package lookm.accelerated.cl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/** One kernel function with its arguments; set them in order with the fluent {@code arg} methods, then {@link #launch}. */
public final class ClKernel implements AutoCloseable {
    private final ClContext context;
    private final cl_kernel kernel;
    private final String name;
    private int next;

    ClKernel(ClContext context, cl_kernel kernel, String name) {
        this.context = context;
        this.kernel = kernel;
        this.name = name;
    }

    public ClKernel arg(ClBuffer buffer) {
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_mem, Pointer.to(buffer.mem()));
        return this;
    }

    public ClKernel arg(int value) {
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_int, Pointer.to(new int[] {value}));
        return this;
    }

    public ClKernel arg(float value) {
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_float, Pointer.to(new float[] {value}));
        return this;
    }

    public ClKernel arg(long value) {
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_long, Pointer.to(new long[] {value}));
        return this;
    }

    /** Sets argument {@code index} again (e.g. an offset between launches); the next fluent {@code arg} is unchanged. */
    public ClKernel set(int index, int value) {
        CL.clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {value}));
        return this;
    }

    /** How many arguments the fluent {@code arg} methods have set: the index of the next one. */
    public int argumentCount() { return next; }

    /** A {@code __local} argument of {@code bytes} bytes. */
    public ClKernel local(long bytes) {
        CL.clSetKernelArg(kernel, next++, bytes, null);
        return this;
    }

    /**
     * Enqueues the kernel over {@code global} work-items (1 to 3 dimensions) in work-groups of {@code local}
     * (null: the driver chooses). Every global size must be a multiple of the local size.
     */
    public void launch(long[] global, long[] local) {
        for (long g : global) if (g <= 0) throw new IllegalArgumentException(name + ": global size must be positive, got " + java.util.Arrays.toString(global));
        CL.clEnqueueNDRangeKernel(context.queue(), kernel, global.length, null, global, local, 0, null, null);
    }

    public String name() { return name; }

    @Override public void close() { CL.clReleaseKernel(kernel); }
}
