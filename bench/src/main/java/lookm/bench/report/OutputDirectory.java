package lookm.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An output directory written atomically. Files go into a hidden staging directory beside the target, each
 * written under a temporary name and then moved into place with ATOMIC_MOVE; {@link #commit()} renames the
 * staging directory to the target. A run that fails leaves the target untouched (the staging directory is
 * removed on {@link #close()}). An existing non-empty target is refused unless overwriting was asked for.
 */
public final class OutputDirectory implements AutoCloseable {
    private static final String STAGING_PREFIX = ".lookm-staging-";
    private static final String OLD_PREFIX = ".lookm-replaced-";
    private static final String TEMP_SUFFIX = ".part";

    private final Path target;
    private final boolean overwrite;
    private final Path staging;
    private boolean committed;
    /** Removes the staging directory if the JVM is stopped (Ctrl-C, SIGTERM) before commit or close. */
    private final Thread cleanup;

    private OutputDirectory(Path target, boolean overwrite, Path staging) {
        this.target = target;
        this.overwrite = overwrite;
        this.staging = staging;
        this.cleanup = new Thread(this::discard, "lookm-output-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    private synchronized void discard() {
        if (committed) return;
        try {
            deleteTree(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the staging directory " + staging, e);
        }
    }

    /**
     * Checks the target and creates the staging directory.
     *
     * @throws IllegalArgumentException if {@code target} is a file, or a non-empty directory and not {@code overwrite}
     */
    public static OutputDirectory prepare(Path target, boolean overwrite) {
        Path absolute = target.toAbsolutePath().normalize();
        requireWritable(absolute, overwrite);
        try {
            Path parent = absolute.getParent();
            Files.createDirectories(parent);
            Path staging = parent.resolve(STAGING_PREFIX + absolute.getFileName() + "-" + UUID.randomUUID());
            Files.createDirectory(staging);
            return new OutputDirectory(absolute, overwrite, staging);
        } catch (IOException e) {
            throw new IllegalArgumentException("output directory " + target + ": cannot create it (" + e.getMessage() + ")", e);
        }
    }

    /** Refuses a target that is a file, or a non-empty directory unless overwriting. */
    public static void requireWritable(Path target, boolean overwrite) {
        if (Files.exists(target) && !Files.isDirectory(target))
            throw new IllegalArgumentException("output directory " + target + " is an existing file; choose another --out");
        if (!overwrite && !isEmptyOrMissing(target))
            throw new IllegalArgumentException("output directory " + target + " exists and is not empty; pass --overwrite to replace it,"
                    + " or choose another --out");
    }

    private static boolean isEmptyOrMissing(Path dir) {
        if (!Files.exists(dir)) return true;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The final location (absolute). */
    public Path target() { return target; }

    /** Writes a UTF-8 text file atomically into the staging directory. */
    public Path writeString(String name, String content) {
        return writeBytes(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a file atomically into the staging directory: a temporary name, then ATOMIC_MOVE. */
    public Path writeBytes(String name, byte[] content) {
        Path file = resolve(name);
        Path temp = file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
        try {
            Files.createDirectories(file.getParent());
            Files.write(temp, content);
            move(temp, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " into " + staging, e);
        }
    }

    /** Where a file named {@code name} is staged; a writer may create it itself (then it is its own job to be atomic). */
    public Path resolve(String name) {
        Path file = staging.resolve(name).normalize();
        if (!file.startsWith(staging)) throw new IllegalArgumentException("output file name escapes the output directory: " + name);
        return file;
    }

    /** Moves the staged directory into place; a replaced target is removed only after the rename succeeded. */
    public synchronized Path commit() {
        if (committed) return target;
        requireWritable(target, overwrite);
        try {
            Path old = null;
            if (Files.exists(target)) {
                old = target.resolveSibling(OLD_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
                move(target, old);
            }
            move(staging, target);
            committed = true;
            if (old != null) deleteTree(old);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the results into " + target, e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Removes the staging directory if the run did not commit. */
    @Override public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook itself discards the staging directory
            return;
        }
        discard();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
