package lookm.accelerated;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import lookm.traces.npy.NpyReader;

/** Whole NumPy arrays of the golden cases, read with the traces module's .npy reader. Test support. */
final class Npy {
    private Npy() {}

    /** Every element as float32. */
    static float[] floats(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); NpyReader reader = new NpyReader(in, file.toString())) {
            float[] out = new float[Math.toIntExact(reader.header().elements())];
            reader.readFloats(out, 0, out.length);
            return out;
        }
    }

    /** Every element as int32. */
    static int[] ints(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); NpyReader reader = new NpyReader(in, file.toString())) {
            return reader.readInts(Math.toIntExact(reader.header().elements()));
        }
    }
}
