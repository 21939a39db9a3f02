package lookm.accelerated.cl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads OpenCL C sources from the classpath, {@code lookm/accelerated/kernels/<name>.cl} (never from the working directory). */
public final class KernelSource {
    /** Classpath folder of the kernels. */
    public static final String FOLDER = "lookm/accelerated/kernels/";

    private KernelSource() {}

    /** The source of kernel file {@code name} (without ".cl"). @throws IllegalArgumentException if it is not on the classpath */
    public static String load(String name) {
        String path = FOLDER + name + ".cl";
        try (InputStream in = KernelSource.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalArgumentException("kernel source " + path + " is not on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + path, e);
        }
    }
}
