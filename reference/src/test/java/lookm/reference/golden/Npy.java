package lookm.reference.golden;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal NumPy .npy reader for the golden cases (little-endian f4/f8/i4/i8/u1/b1, C order). Test support. */
record Npy(int[] shape, double[] data) {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    static Npy read(InputStream in, String name) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        ByteBuffer b = ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        b.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY"))
            throw new IOException(name + ": not a .npy file");
        int major = b.get();
        b.get();
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        byte[] header = new byte[headerLength];
        b.get(header);
        String h = new String(header, StandardCharsets.ISO_8859_1);
        if (h.contains("'fortran_order': True")) throw new IOException(name + ": Fortran order is not supported");
        Matcher d = DESCR.matcher(h), s = SHAPE.matcher(h);
        if (!d.find() || !s.find()) throw new IOException(name + ": unreadable header " + h);
        if (d.group(1).equals(">")) throw new IOException(name + ": big-endian data is not supported");
        String[] dims = s.group(1).split(",");
        int n = 1, k = 0;
        int[] shape = new int[(int) java.util.Arrays.stream(dims).filter(x -> !x.isBlank()).count()];
        for (String dim : dims) if (!dim.isBlank()) n *= shape[k++] = Integer.parseInt(dim.trim());
        double[] data = new double[n];
        String type = d.group(2) + d.group(3);
        for (int i = 0; i < n; i++)
            data[i] = switch (type) {
                case "f4" -> b.getFloat();
                case "f8" -> b.getDouble();
                case "i4" -> b.getInt();
                case "i8" -> b.getLong();
                case "u1", "b1" -> Byte.toUnsignedInt(b.get());
                default -> throw new IOException(name + ": unsupported dtype " + type);
            };
        return new Npy(shape, data);
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
