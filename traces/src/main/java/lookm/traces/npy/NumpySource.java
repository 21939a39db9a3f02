package lookm.traces.npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/** Named arrays from an {@code .npz} archive (np.savez / savez_compressed) or a directory of {@code name.npy} files. */
public final class NumpySource implements AutoCloseable {
    private static final String NPY = ".npy";
    private final Path path;
    private final ZipFile zip;

    private NumpySource(Path path, ZipFile zip) {
        this.path = path;
        this.zip = zip;
    }

    public static NumpySource open(Path path) {
        if (Files.isDirectory(path)) return new NumpySource(path, null);
        if (!Files.isRegularFile(path)) throw new NpyException(path + ": no such .npz file or directory of .npy files");
        try {
            return new NumpySource(path, new ZipFile(path.toFile()));
        } catch (ZipException e) {
            throw new NpyException(path + ": not an .npz archive (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot open", e);
        }
    }

    public boolean has(String name) {
        return zip != null ? zip.getEntry(name + NPY) != null : Files.isRegularFile(path.resolve(name + NPY));
    }

    /** A sequential reader of array {@code name}; each call opens a new independent stream. */
    public NpyReader reader(String name) {
        if (!has(name)) throw new NpyException(path + ": no array '" + name + "' (expected " + name + NPY + ")");
        String label = path + ":" + name + NPY;
        try {
            if (zip != null) {
                ZipEntry entry = zip.getEntry(name + NPY);
                return new NpyReader(zip.getInputStream(entry), label, entry.getSize());
            }
            Path file = path.resolve(name + NPY);
            return new NpyReader(Files.newInputStream(file), label, Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException(label + ": cannot open", e);
        }
    }

    public Path path() { return path; }

    @Override public void close() {
        if (zip == null) return;
        try {
            zip.close();
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot close", e);
        }
    }
}
