package lookm.accelerated.cl;

/** A device buffer of {@code bytes} bytes on the context's {@link ClHost}; released on {@link #close()}. Reads and writes block. */
public final class ClBuffer implements AutoCloseable {
    private static final int FLOAT_BYTES = Float.BYTES, INT_BYTES = Integer.BYTES;
    private final ClHost.Memory mem;
    private final long bytes;
    private boolean closed;

    ClBuffer(ClHost.Memory mem) {
        this.mem = mem;
        this.bytes = mem.bytes();
    }

    ClHost.Memory mem() {
        if (closed) throw new IllegalStateException("buffer already released");
        return mem;
    }

    public long bytes() { return bytes; }

    public float[] readFloats(int count) {
        float[] out = new float[count];
        check((long) count * FLOAT_BYTES);
        mem().read(0, out);
        return out;
    }

    /** {@code count} floats from float index {@code offset}: a per-head slice read straight into its own array. */
    public float[] readFloats(long offset, int count) {
        float[] out = new float[count];
        checkRange(offset * FLOAT_BYTES, (long) count * FLOAT_BYTES);
        mem().read(offset * FLOAT_BYTES, out);
        return out;
    }

    /** {@code count} ints from int index {@code offset}. */
    public int[] readInts(long offset, int count) {
        int[] out = new int[count];
        checkRange(offset * INT_BYTES, (long) count * INT_BYTES);
        mem().read(offset * INT_BYTES, out);
        return out;
    }

    public int[] readInts(int count) {
        int[] out = new int[count];
        check((long) count * INT_BYTES);
        mem().read(0, out);
        return out;
    }

    public byte[] readBytes(int count) {
        byte[] out = new byte[count];
        check(count);
        mem().read(0, out);
        return out;
    }

    public ClBuffer write(float[] data) {
        check((long) data.length * FLOAT_BYTES);
        mem().write(data);
        return this;
    }

    private void checkRange(long offsetBytes, long size) {
        if (offsetBytes < 0) throw new IllegalArgumentException("negative read offset " + offsetBytes);
        check(offsetBytes + size);
    }

    private void check(long size) {
        if (size > bytes) throw new IllegalArgumentException("transfer of " + size + " bytes exceeds the buffer's " + bytes + " bytes");
    }

    @Override public void close() {
        if (!closed) {
            closed = true;
            mem.release();
        }
    }
}
