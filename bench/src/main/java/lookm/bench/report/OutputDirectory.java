package lookm.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import lookm.traces.write.AtomicDirectory;
import lookm.traces.write.ExitCleanup;
import lookm.traces.write.OutputGuard;

/**
 * An output directory written atomically. Files go into a staging directory beside the target (the traces
 * module's {@link AtomicDirectory}), each written under a temporary name and then moved into place with
 * ATOMIC_MOVE; {@link #commit()} renames the staging directory to the target. The target follows
 * {@link OutputGuard}'s rules: never an input, a parent of an input or inside one; an existing non-empty directory
 * only with overwrite and only if lookm wrote it (its marker file); an existing empty one is replaced.
 *
 * <p>A plain output's staging directory is hidden and removed when the run fails ({@link #close()}) or is stopped
 * (a shutdown hook on Ctrl-C / SIGTERM; after {@code kill -9} the next run for the same target removes it). A
 * {@linkplain #resumable resumable} output stages in the visible, marked {@code TARGET.partial}, which keeps the
 * finished cells of a failed or interrupted run for {@code --resume}.
 */
public final class OutputDirectory implements AutoCloseable {
    private static final String TEMP_SUFFIX = ".part";

    private final AtomicDirectory staged;
    /** For a resumable output, the entry of the staging directory whose presence means finished work to keep; else null. */
    private final String keepWhenPresent;
    /** Told where the finished cells are when a stop (Ctrl-C, SIGTERM) keeps them. */
    private final java.util.function.Consumer<Path> onStopKept;
    /** Removes (plain) or keeps (resumable) the staging directory if the JVM is stopped before commit or close. */
    private final Thread cleanup;

    private OutputDirectory(AtomicDirectory staged, String keepWhenPresent, java.util.function.Consumer<Path> onStopKept) {
        this.staged = staged;
        this.keepWhenPresent = keepWhenPresent;
        this.onStopKept = onStopKept;
        this.cleanup = ExitCleanup.register("lookm-output-cleanup", () -> discard(true));
    }

    private synchronized void discard(boolean stopped) {
        if (staged.finished()) return;
        if (keepWhenPresent != null && holdsAFile(staged.temp().resolve(keepWhenPresent))) {
            staged.keep();
            if (stopped) onStopKept.accept(staged.temp());
        } else {
            staged.abort();
        }
    }

    private static boolean holdsAFile(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        try (var walk = Files.walk(dir)) {
            return walk.anyMatch(Files::isRegularFile);
        } catch (IOException | UncheckedIOException e) {
            return true;                                // cannot tell: keep rather than lose finished work
        }
    }

    /** As {@link #prepare(Path, boolean, List)} with no inputs. */
    public static OutputDirectory prepare(Path target, boolean overwrite) { return prepare(target, overwrite, List.of()); }

    /**
     * Checks the target and creates the (hidden) staging directory.
     *
     * @param inputs every file or directory the command reads
     * @throws IllegalArgumentException naming the target and the rule it breaks
     */
    public static OutputDirectory prepare(Path target, boolean overwrite, List<Path> inputs) {
        return new OutputDirectory(AtomicDirectory.begin(target.toAbsolutePath().normalize(), overwrite, inputs), null, kept -> { });
    }

    /**
     * A resumable output staged in {@code TARGET.partial}: with {@code resume} an interrupted run's partial directory is
     * reopened with its contents; without, an existing one is refused unless {@code overwrite}. A failed or stopped run
     * keeps it when {@code keepWhenPresent} (the finished cells) holds a file, and removes it otherwise; when that
     * happens because the JVM is being stopped, {@code onStopKept} is told where it is (to say so to the user).
     */
    public static OutputDirectory resumable(Path target, boolean overwrite, boolean resume, List<Path> inputs, String keepWhenPresent,
                                            java.util.function.Consumer<Path> onStopKept) {
        return new OutputDirectory(AtomicDirectory.partial(target, overwrite, resume, inputs), keepWhenPresent, onStopKept);
    }

    /** Checks the target against the output rules before any work, so a long run does not end in a refusal. */
    public static void requireWritable(Path target, boolean overwrite, List<Path> inputs) {
        OutputGuard.requireSafe(target.toAbsolutePath().normalize(), overwrite, inputs);
    }

    /** The final location (absolute). */
    public Path target() { return staged.target(); }

    /** The staging directory (for a resumable output, where the finished cells are kept). */
    public Path staging() { return staged.temp(); }

    /** Writes a UTF-8 text file atomically into the staging directory. */
    public Path writeString(String name, String content) {
        return writeBytes(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a file atomically into the staging directory: a temporary name, then ATOMIC_MOVE. */
    public Path writeBytes(String name, byte[] content) {
        Path file = resolve(name);
        Path temp = file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
        try {
            createParents(file);
            Files.write(temp, content);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("the file system cannot rename atomically inside " + staged.temp(), e);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the write already failed; that error is the one reported
            }
            throw new UncheckedIOException("cannot write " + name + " into " + staged.temp(), e);
        }
    }

    /**
     * Creates the subdirectories of the staging directory that {@code file} needs, never the staging directory itself:
     * once an abort has removed it, a write fails instead of recreating it.
     */
    private void createParents(Path file) throws IOException {
        Path dir = staged.temp();
        for (Path part : dir.relativize(file.getParent())) {
            if (part.toString().isEmpty()) continue;
            dir = dir.resolve(part);
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectory(dir);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // created meanwhile: fine
                }
            }
        }
    }

    /** Where a file named {@code name} is staged; a writer may create it itself (then it is its own job to be atomic). */
    public Path resolve(String name) {
        Path file = staged.temp().resolve(name).normalize();
        if (!file.startsWith(staged.temp())) throw new IllegalArgumentException("output file name escapes the output directory: " + name);
        return file;
    }

    /** Moves the staged directory into place; a replaced target is removed only after the rename succeeded. */
    public synchronized Path commit() { return staged.commit(); }

    /** Removes a plain staging directory if the run did not commit; a resumable one is kept when it holds finished cells. */
    @Override public void close() {
        if (ExitCleanup.cancel(cleanup)) discard(false);   // else the JVM is stopping: the hook discards or keeps it
    }
}
