package lookm.accelerated;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal NumPy .npy reader (little-endian f4/i4/i8, C order) for the golden cases. Test support. */
record Npy(int[] shape, double[] data) {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
    private static final int MAGIC_LENGTH = 6;

    static Npy read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC_LENGTH];
        b.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, MAGIC_LENGTH - 1, StandardCharsets.US_ASCII).equals("NUMPY"))
            throw new IOException(file + ": not a .npy file");
        int major = b.get();
        b.get();
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        byte[] header = new byte[headerLength];
        b.get(header);
        String h = new String(header, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(h), s = SHAPE.matcher(h);
        if (!d.find() || !s.find() || h.contains("'fortran_order': True") || d.group(1).equals(">"))
            throw new IOException(file + ": unsupported header " + h);
        String[] dims = s.group(1).split(",");
        int n = 1, k = 0;
        int[] shape = new int[(int) java.util.Arrays.stream(dims).filter(x -> !x.isBlank()).count()];
        for (String dim : dims) if (!dim.isBlank()) n *= shape[k++] = Integer.parseInt(dim.trim());
        double[] data = new double[n];
        String type = d.group(2) + d.group(3);
        for (int i = 0; i < n; i++)
            data[i] = switch (type) {
                case "f4" -> b.getFloat();
                case "i4" -> b.getInt();
                case "i8" -> b.getLong();
                default -> throw new IOException(file + ": unsupported dtype " + type);
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
}
