package lookm.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import lookm.traces.write.AtomicDirectory;

/**
 * An output directory written atomically. Files go into a hidden staging directory beside the target (the traces
 * module's {@link AtomicDirectory}), each written under a temporary name and then moved into place with
 * ATOMIC_MOVE; {@link #commit()} renames the staging directory to the target. A run that fails leaves the target
 * untouched (the staging directory is removed on {@link #close()}, or by a shutdown hook on Ctrl-C). An existing
 * non-empty target is refused unless overwriting was asked for; an existing empty one is replaced.
 */
public final class OutputDirectory implements AutoCloseable {
    private static final String TEMP_SUFFIX = ".part";

    private final boolean overwrite;
    private final AtomicDirectory staged;
    /** Removes the staging directory if the JVM is stopped (Ctrl-C, SIGTERM) before commit or close. */
    private final Thread cleanup;

    private OutputDirectory(AtomicDirectory staged, boolean overwrite) {
        this.staged = staged;
        this.overwrite = overwrite;
        this.cleanup = new Thread(this::discard, "lookm-output-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    private synchronized void discard() { staged.abort(); }

    /**
     * Checks the target and creates the staging directory.
     *
     * @throws IllegalArgumentException if {@code target} is a file, or a non-empty directory and not {@code overwrite}
     */
    public static OutputDirectory prepare(Path target, boolean overwrite) {
        Path absolute = target.toAbsolutePath().normalize();
        requireWritable(absolute, overwrite);
        // an empty existing directory may be replaced: requireWritable has already refused a non-empty one
        return new OutputDirectory(AtomicDirectory.begin(absolute, true), overwrite);
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
    public Path target() { return staged.target(); }

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
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("the file system cannot rename atomically inside " + staged.temp(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " into " + staged.temp(), e);
        }
    }

    /** Where a file named {@code name} is staged; a writer may create it itself (then it is its own job to be atomic). */
    public Path resolve(String name) {
        Path file = staged.temp().resolve(name).normalize();
        if (!file.startsWith(staged.temp())) throw new IllegalArgumentException("output file name escapes the output directory: " + name);
        return file;
    }

    /** Moves the staged directory into place; a replaced target is removed only after the rename succeeded. */
    public synchronized Path commit() {
        requireWritable(staged.target(), overwrite);
        return staged.commit();
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
}
