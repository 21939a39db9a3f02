package lookm.accelerated.cl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_mem;

/** A device buffer ({@code cl_mem}) of {@code bytes} bytes; released on {@link #close()}. Reads and writes block. */
public final class ClBuffer implements AutoCloseable {
    private final ClContext context;
    private final cl_mem mem;
    private final long bytes;
    private boolean closed;

    ClBuffer(ClContext context, cl_mem mem, long bytes) {
        this.context = context;
        this.mem = mem;
        this.bytes = bytes;
    }

    cl_mem mem() {
        if (closed) throw new IllegalStateException("buffer already released");
        return mem;
    }

    public long bytes() { return bytes; }

    public float[] readFloats(int count) {
        float[] out = new float[count];
        read(Pointer.to(out), (long) count * Sizeof.cl_float);
        return out;
    }

    /** {@code count} floats from float index {@code offset}: a per-head slice read straight into its own array. */
    public float[] readFloats(long offset, int count) {
        float[] out = new float[count];
        read(Pointer.to(out), offset * Sizeof.cl_float, (long) count * Sizeof.cl_float);
        return out;
    }

    /** {@code count} ints from int index {@code offset}. */
    public int[] readInts(long offset, int count) {
        int[] out = new int[count];
        read(Pointer.to(out), offset * Sizeof.cl_int, (long) count * Sizeof.cl_int);
        return out;
    }

    public int[] readInts(int count) {
        int[] out = new int[count];
        read(Pointer.to(out), (long) count * Sizeof.cl_int);
        return out;
    }

    public byte[] readBytes(int count) {
        byte[] out = new byte[count];
        read(Pointer.to(out), count);
        return out;
    }

    public ClBuffer write(float[] data) {
        check((long) data.length * Sizeof.cl_float);
        CL.clEnqueueWriteBuffer(context.queue(), mem(), CL.CL_TRUE, 0, (long) data.length * Sizeof.cl_float, Pointer.to(data), 0, null, null);
        return this;
    }

    private void read(Pointer target, long size) { read(target, 0, size); }

    private void read(Pointer target, long offsetBytes, long size) {
        if (offsetBytes < 0) throw new IllegalArgumentException("negative read offset " + offsetBytes);
        check(offsetBytes + size);
        if (size == 0) return;
        CL.clEnqueueReadBuffer(context.queue(), mem(), CL.CL_TRUE, offsetBytes, size, target, 0, null, null);
    }

    private void check(long size) {
        if (size > bytes) throw new IllegalArgumentException("transfer of " + size + " bytes exceeds the buffer's " + bytes + " bytes");
    }

    @Override public void close() {
        if (!closed) {
            closed = true;
            CL.clReleaseMemObject(mem);
        }
    }
}
