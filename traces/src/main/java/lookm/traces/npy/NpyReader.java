package lookm.traces.npy;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.memory.util.Float16;

/**
 * Reads a {@code .npy} stream sequentially in chunks, converting any supported element type to float32 or
 * int32, so a (L, H, T, D) array can be consumed one layer at a time.
 */
public final class NpyReader implements AutoCloseable {
    private static final int BUFFER = 1 << 16;
    private final String name;
    private final DataInputStream in;
    private final NpyHeader header;
    private long consumed;

    public NpyReader(InputStream stream, String name) { this(stream, name, -1); }

    /**
     * @param streamBytes the stream's length when known (file size, zip entry size), else -1: a header announcing more
     *                    data than that is refused before anything of its size is allocated
     */
    public NpyReader(InputStream stream, String name, long streamBytes) {
        this.name = name;
        this.in = new DataInputStream(new BufferedInputStream(stream, BUFFER));
        try {
            this.header = NpyHeader.read(in, name);
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot read", e);
        }
        long dataBytes;
        try {
            dataBytes = Math.multiplyExact(header.elements(), (long) header.itemSize());
        } catch (ArithmeticException e) {
            throw new NpyException(name + ": header shape " + header.shapeString() + " has more than 2^63 bytes of data");
        }
        if (streamBytes >= 0 && dataBytes > streamBytes)
            throw new NpyException(name + ": header shape " + header.shapeString() + " announces " + dataBytes + " bytes of data, the file holds "
                    + streamBytes + ": the header lies or the file is truncated");
    }

    public NpyHeader header() { return header; }

    public String name() { return name; }

    /** Requires the shape to have {@code rank} dimensions; returns them. */
    public long[] requireRank(int rank, String meaning) {
        long[] shape = header.shape();
        if (shape.length != rank)
            throw new NpyException(name + " has shape " + header.shapeString() + ", expected " + rank + " dimensions " + meaning);
        return shape;
    }

    /** Reads the next n elements as float32 into dst[offset ..). Float64 is narrowed; integers converted. */
    public void readFloats(float[] dst, int offset, int n) {
        byte[] raw = next(n);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) dst[offset + i] = (float) element(b, i);
    }

    /** Reads the next n elements as int32 (floats must hold integral values). */
    public int[] readInts(int n) {
        byte[] raw = next(n);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            double v = element(b, i);
            if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
                throw new NpyException(name + "[" + (consumed / header.itemSize() - n + i) + "] = " + v + " is not an int32");
            out[i] = (int) v;
        }
        return out;
    }

    private double element(ByteBuffer b, int i) {
        int size = header.itemSize(), at = i * size;
        return switch (header.kind()) {
            case 'f' -> size == 2 ? Float16.toFloat(b.getShort(at)) : size == 4 ? b.getFloat(at) : b.getDouble(at);
            case 'u', 'b' -> Byte.toUnsignedInt(b.get(at));
            default -> switch (size) {
                case 1 -> b.get(at);
                case 2 -> b.getShort(at);
                case 4 -> b.getInt(at);
                default -> b.getLong(at);
            };
        };
    }

    private byte[] next(int n) {
        long bytes = (long) n * header.itemSize();
        if (consumed + bytes > header.elements() * header.itemSize())
            throw new IllegalStateException(name + ": read past the end of the array");
        byte[] raw = new byte[Math.toIntExact(bytes)];
        try {
            in.readFully(raw);
        } catch (EOFException e) {
            throw new NpyException(name + ": truncated: the header announces shape " + header.shapeString() + " but the data ends early");
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot read", e);
        }
        consumed += bytes;
        return raw;
    }

    @Override public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot close", e);
        }
    }
}
