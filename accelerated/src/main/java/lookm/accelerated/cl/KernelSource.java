package lookm.accelerated.cl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads OpenCL C sources from the classpath, {@code lookm/accelerated/kernels/<stage>/<name>.cl} (never from the
 * working directory). A line {@code #include "x.h"} is replaced by the header {@code lookm/accelerated/kernels/x.h}
 * (the compiler cannot see the classpath); headers are not nested.
 */
public final class KernelSource {
    /** Classpath folder of the kernels. */
    public static final String FOLDER = "lookm/accelerated/kernels/";
    private static final Pattern INCLUDE = Pattern.compile("(?m)^#include \"([A-Za-z0-9_]+\\.h)\"\\s*$");

    private KernelSource() {}

    /** The source of kernel file {@code name} (without ".cl"), headers inlined. @throws IllegalArgumentException if it or a header is not on the classpath */
    public static String load(String name) { return withHeaders(read(FOLDER + name + ".cl", "kernel source"), name + ".cl"); }

    /** {@code source} (named {@code name} in errors) with each {@code #include "x.h"} of a shared header inlined: for tools' own kernels. */
    public static String withHeaders(String source, String name) {
        Matcher m = INCLUDE.matcher(source);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(read(FOLDER + m.group(1), "header of " + name)));
        m.appendTail(out);
        return out.toString();
    }

    private static String read(String path, String what) {
        try (InputStream in = KernelSource.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalArgumentException(what + " " + path + " is not on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " " + path, e);
        }
    }
}
