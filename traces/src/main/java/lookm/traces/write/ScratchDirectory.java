package lookm.traces.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A temporary working directory (e.g. the demo's extracted sample trace) that leaves nothing behind: removed on
 * {@link #close()}, by a shutdown hook on Ctrl-C / SIGTERM, and, after {@code kill -9}, by the next
 * {@link #create} with the same purpose once the process that made it is gone. Named
 * {@code lookm-PURPOSE-PID-RANDOM} under {@code java.io.tmpdir}.
 */
public final class ScratchDirectory implements AutoCloseable {
    private static final String PREFIX = "lookm-";
    private static final long PID = ProcessHandle.current().pid();
    private final Path path;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private Thread cleanup;
    private boolean deleted;

    private ScratchDirectory(Path path) {
        this.path = path;
    }

    /**
     * Creates a scratch directory for {@code purpose} (letters, digits, dashes) after removing those of dead processes.
     * The cleanup hook is registered before the directory exists, so a stop at any moment leaves nothing.
     *
     * @throws UncheckedIOException when the temporary directory cannot be created (full disk, permissions)
     */
    public static ScratchDirectory create(String purpose) {
        if (!purpose.matches("[a-z0-9-]+")) throw new IllegalArgumentException("purpose must match [a-z0-9-]+, was " + purpose);
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeStale(tmp, purpose);
        ScratchDirectory scratch = new ScratchDirectory(tmp.resolve(PREFIX + purpose + "-" + PID + "-" + Long.toUnsignedString(RANDOM.nextLong())));
        scratch.cleanup = ExitCleanup.register("lookm-scratch-cleanup", scratch::delete);
        scratch.make();
        return scratch;
    }

    private synchronized void make() {
        try {
            if (deleted) throw new IllegalStateException("stopped before the scratch directory was made");
            Files.createDirectory(path);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot create a temporary directory in " + path.getParent(), e);
        }
    }

    public Path path() { return path; }

    private synchronized void delete() {
        deleted = true;
        AtomicDirectory.deleteRetrying(path);
    }

    @Override public void close() {
        if (ExitCleanup.cancel(cleanup)) delete();     // else shutting down: the hook deletes it
    }

    private static void removeStale(Path tmp, String purpose) {
        Pattern own = Pattern.compile(Pattern.quote(PREFIX + purpose + "-") + "(\\d+)-\\d+");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp, PREFIX + purpose + "-*")) {
            for (Path p : entries) {
                Matcher m = own.matcher(p.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(p)) continue;
                long pid = Long.parseLong(m.group(1));
                if (pid != PID && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) AtomicDirectory.deleteRecursively(p);
            }
        } catch (IOException | UncheckedIOException | NumberFormatException e) {
            // best effort: a leftover we cannot remove now is retried next time; it never blocks this run
        }
    }
}
