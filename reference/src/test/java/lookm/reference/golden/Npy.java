package lookm.reference.golden;

import java.io.InputStream;
import lookm.traces.npy.NpyReader;

/** A whole NumPy array of a golden case, read with the traces module's .npy reader. Test support. */
record Npy(int[] shape, double[] data) {
    /** Reads a whole array: float kinds as floats, integer and boolean kinds as integers (widened to double). */
    static Npy read(InputStream in, String name) {
        try (NpyReader reader = new NpyReader(in, name)) {
            long[] dims = reader.header().shape();
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) shape[i] = Math.toIntExact(dims[i]);
            int n = Math.toIntExact(reader.header().elements());
            double[] data = new double[n];
            if (reader.header().kind() == 'f') {
                float[] floats = new float[n];
                reader.readFloats(floats, 0, n);
                for (int i = 0; i < n; i++) data[i] = floats[i];
            } else {
                int[] ints = reader.readInts(n);
                for (int i = 0; i < n; i++) data[i] = ints[i];
            }
            return new Npy(shape, data);
        }
    }

    float[] floats() {
        float[] out = new float[data.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) data[i];
        return out;
    }

    int[] ints() {
        int[] out = new int[data.length];
        for (int i = 0; i < out.length; i++) out[i] = (int) data[i];
        return out;
    }

    /** Row-major rows of a 2-D array as int arrays. */
    int[][] intRows() {
        int cols = shape[shape.length - 1], rows = data.length / Math.max(cols, 1);
        int[][] out = new int[rows][cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) out[r][c] = (int) data[r * cols + c];
        return out;
    }
}
