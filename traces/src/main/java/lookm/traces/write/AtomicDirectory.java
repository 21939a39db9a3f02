package lookm.traces.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import lookm.traces.schema.TraceFormatException;

/**
 * A directory built under a temporary name beside its target, then renamed into place with one atomic move,
 * so no reader ever sees it half-written (a trace here; the app's output directories too). An existing target is replaced only when asked: it is first
 * moved aside (atomic), the new one moved in (atomic), then the old one deleted.
 */
public final class AtomicDirectory {
    private static final String TEMP_PREFIX = ".";
    private static final String TEMP_INFIX = ".tmp-";
    private static final String OLD_INFIX = ".old-";

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private final Path target;
    private final Path temp;
    private final boolean overwrite;
    private boolean finished;

    private AtomicDirectory(Path target, Path temp, boolean overwrite) {
        this.target = target;
        this.temp = temp;
        this.overwrite = overwrite;
    }

    /** Creates the temporary directory; refuses an existing target unless {@code overwrite}. */
    public static AtomicDirectory begin(Path target, boolean overwrite) {
        Path absolute = target.toAbsolutePath().normalize();
        refuseExisting(absolute, overwrite);
        Path parent = absolute.getParent();
        try {
            Files.createDirectories(parent);
            // createDirectory (not createTempDirectory): the trace gets the usual permissions, not owner-only
            Path temp = Files.createDirectory(parent.resolve(TEMP_PREFIX + absolute.getFileName() + TEMP_INFIX
                    + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE)));
            return new AtomicDirectory(absolute, temp, overwrite);
        } catch (IOException e) {
            throw TraceFormatException.in(absolute, "cannot create a temporary directory beside the target", e);
        }
    }

    private static void refuseExisting(Path target, boolean overwrite) {
        if (Files.exists(target) && !overwrite)
            throw TraceFormatException.in(target, "already exists; refusing to overwrite it (ask for overwrite explicitly)");
    }

    /** Where files are written before the commit. */
    public Path temp() { return temp; }

    public Path target() { return target; }

    /** Renames the temporary directory to the target. */
    public Path commit() {
        if (finished) throw new IllegalStateException("already committed or aborted: " + target);
        refuseExisting(target, overwrite);
        try {
            Path old = null;
            if (Files.exists(target)) {
                old = target.resolveSibling(TEMP_PREFIX + target.getFileName() + OLD_INFIX + System.nanoTime());
                move(target, old);
            }
            move(temp, target);
            finished = true;
            if (old != null) deleteRecursively(old);
            return target;
        } catch (FileAlreadyExistsException e) {
            throw TraceFormatException.in(target, "appeared while the directory was being written; not overwritten", e);
        } catch (IOException e) {
            throw TraceFormatException.in(target, "cannot move the finished directory into place", e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename atomically from " + from + " to " + to, e);
        }
    }

    /** Deletes the temporary directory; idempotent. */
    public void abort() {
        if (finished) return;
        finished = true;
        deleteRecursively(temp);
    }

    public boolean finished() { return finished; }

    /** Deletes a file or directory tree if it exists. */
    public static void deleteRecursively(Path path) {
        if (!Files.exists(path)) return;
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }
}
