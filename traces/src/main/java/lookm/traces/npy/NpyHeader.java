package lookm.traces.npy;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a NumPy {@code .npy} file (format versions 1-3): element type and C-order shape. Only
 * little-endian numeric types are supported: f2, f4, f8, i1, i2, i4, i8, u1 and b1.
 *
 * @param descr the dtype string, e.g. "&lt;f4"
 * @param shape dimensions, C order
 */
public record NpyHeader(String descr, long[] shape) {
    /** "\x93NUMPY". */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Total header length (magic to newline) is padded to a multiple of this, as NumPy does. */
    static final int ALIGN = 64;
    private static final int V1_HEADER_LIMIT = 65_535;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public NpyHeader {
        shape = shape.clone();
    }

    @Override public long[] shape() { return shape.clone(); }

    public long elements() {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    /** Bytes per element, from the descr's size digit. */
    public int itemSize() { return Integer.parseInt(descr.substring(2)); }

    /** 'f', 'i', 'u' or 'b'. */
    public char kind() { return descr.charAt(1); }

    public String shapeString() { return Arrays.toString(shape).replace('[', '(').replace(']', ')'); }

    /** Reads and checks a header; the stream is left at the first data byte. {@code name} is used in messages. */
    static NpyHeader read(InputStream in, String name) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] magic = new byte[MAGIC.length];
        try {
            data.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new NpyException(name + ": not a .npy file (bad magic)");
            int major = data.readUnsignedByte();
            data.readUnsignedByte();
            int length = major == 1 ? Short.toUnsignedInt(Short.reverseBytes(data.readShort())) : Integer.reverseBytes(data.readInt());
            byte[] text = new byte[length];
            data.readFully(text);
            return parse(new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1), name);
        } catch (EOFException e) {
            throw new NpyException(name + ": truncated .npy header");
        }
    }

    private static NpyHeader parse(String dict, String name) {
        Matcher descr = DESCR.matcher(dict), fortran = FORTRAN.matcher(dict), shape = SHAPE.matcher(dict);
        if (!descr.find() || !fortran.find() || !shape.find()) throw new NpyException(name + ": malformed .npy header " + dict.trim());
        if (fortran.group(1).equals("True")) throw new NpyException(name + ": Fortran-order arrays are not supported (save with np.ascontiguousarray)");
        String d = descr.group(1);
        if (!d.matches("[<|](f[248]|i[1248]|u1|b1)"))
            throw new NpyException(name + ": dtype '" + d + "' is not supported (use little-endian float16/32/64, int8-64, uint8 or bool)");
        String[] parts = shape.group(1).split(",");
        long[] dims = Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        return new NpyHeader(d, dims);
    }

    /** The header bytes for a little-endian C-order array (version 1 when it fits, else 2). */
    byte[] encode() {
        StringBuilder dims = new StringBuilder();
        for (long s : shape) dims.append(s).append(", ");
        if (shape.length > 1) dims.setLength(dims.length() - 1);
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims.toString().trim() + "), }";
        int version = dict.length() + MAGIC.length + 2 + 2 + 1 > V1_HEADER_LIMIT ? 2 : 1;
        int prefix = MAGIC.length + 2 + (version == 1 ? 2 : 4);
        int total = ((prefix + dict.length() + 1 + ALIGN - 1) / ALIGN) * ALIGN;
        String padded = dict + " ".repeat(total - prefix - dict.length() - 1) + "\n";
        byte[] out = new byte[total];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[MAGIC.length] = (byte) version;
        int length = padded.length();
        out[MAGIC.length + 2] = (byte) length;
        out[MAGIC.length + 3] = (byte) (length >>> 8);
        if (version == 2) {
            out[MAGIC.length + 4] = (byte) (length >>> 16);
            out[MAGIC.length + 5] = (byte) (length >>> 24);
        }
        byte[] text = padded.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, out, prefix, text.length);
        return out;
    }
}
