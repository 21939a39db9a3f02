package lookm.traces.npy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes little-endian C-order {@code .npy} arrays: float32 ('&lt;f4') and int32 ('&lt;i4'). */
public final class NpyWriter {
    private NpyWriter() {}

    public static void floats(OutputStream out, float[] data, long... shape) throws IOException {
        requireVolume(data.length, shape);
        out.write(new NpyHeader("<f4", shape).encode());
        ByteBuffer b = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        out.write(b.array());
    }

    public static void ints(OutputStream out, int[] data, long... shape) throws IOException {
        requireVolume(data.length, shape);
        out.write(new NpyHeader("<i4", shape).encode());
        ByteBuffer b = ByteBuffer.allocate(data.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        out.write(b.array());
    }

    private static void requireVolume(int length, long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        if (n != length) throw new IllegalArgumentException(length + " elements do not fill shape " + java.util.Arrays.toString(shape));
    }
}
