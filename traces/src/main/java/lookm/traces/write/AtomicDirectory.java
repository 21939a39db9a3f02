package lookm.traces.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lookm.traces.schema.TraceFormatException;

/**
 * A directory built under a temporary name beside its target, then renamed into place with one atomic move,
 * so no reader ever sees it half-written (a trace here; the app's output directories too). The target is checked
 * by {@link OutputGuard} first (never an input, a parent of one, or a stranger's non-empty directory), and the
 * staging directory carries the {@link OutputGuard#MARKER} from its first moment, so the finished directory does too.
 * An existing target is replaced only when asked: it is first moved aside (atomic), the new one moved in (atomic),
 * then the old one deleted.
 *
 * <p>Staging directories are named {@code .NAME.tmp-PID-RANDOM} (and a replaced target {@code .NAME.old-PID-N}): one
 * left behind by a process that was killed ({@code kill -9}, power loss) is removed by the next {@link #begin} for
 * the same target once that process is gone. A resumable run stages in the visible, marked {@code NAME.partial}
 * instead ({@link #partial}), which outlives a failure on purpose.
 */
public final class AtomicDirectory {
    private static final String TEMP_PREFIX = ".";
    private static final String TEMP_INFIX = ".tmp-";
    private static final String OLD_INFIX = ".old-";
    /** Suffix of a resumable run's staging directory, beside the target. */
    public static final String PARTIAL_SUFFIX = ".partial";
    /** Lock file of a partial directory: the id of the process writing it. */
    static final String LOCK = ".lookm-lock";

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final long PID = ProcessHandle.current().pid();
    /** An abort races a writer that is still running only for the file it is creating: a few short retries suffice. */
    private static final int DELETE_ATTEMPTS = 20;
    private static final long DELETE_RETRY_MILLIS = 10;
    private final Path target;
    private final Path temp;
    private final boolean overwrite;
    private final List<Path> inputs;
    private boolean finished;
    /** Whether this (partial) directory holds its lock file. */
    private boolean locked;
    /** Set by {@link #abortOnExit()}: removes the temporary directory if the JVM stops (Ctrl-C, SIGTERM) before the end. */
    private Thread exitHook;

    private AtomicDirectory(Path target, Path temp, boolean overwrite, List<Path> inputs) {
        this.target = target;
        this.temp = temp;
        this.overwrite = overwrite;
        this.inputs = List.copyOf(inputs);
    }

    /** Creates the temporary directory; refuses an existing target unless {@code overwrite} (see {@link OutputGuard}). */
    public static AtomicDirectory begin(Path target, boolean overwrite) { return begin(target, overwrite, List.of()); }

    /**
     * Creates the temporary directory after checking {@code target} against {@link OutputGuard}'s rules.
     *
     * @param inputs every file or directory the writing command reads; the target may not equal, contain or lie inside one
     */
    public static AtomicDirectory begin(Path target, boolean overwrite, List<Path> inputs) {
        Path absolute = target.toAbsolutePath().normalize();
        OutputGuard.requireSafe(absolute, overwrite, inputs);
        Path parent = absolute.getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw TraceFormatException.in(absolute, "cannot create the directory it goes into", e);
        }
        Path temp = stagingName(absolute);
        AtomicDirectory staged = new AtomicDirectory(absolute, temp, overwrite, inputs);
        staged.abortOnExit();                           // before the directory exists: a stop at any moment leaves nothing
        staged.create();
        return staged;
    }

    private synchronized void create() {
        if (finished) throw TraceFormatException.in(target, "stopped before it was written");
        try {
            // createDirectory (not createTempDirectory): the trace gets the usual permissions, not owner-only
            Files.createDirectory(temp);
            OutputGuard.writeMarker(temp, OutputGuard.COMPLETE);
        } catch (IOException | UncheckedIOException e) {
            abort();
            throw e instanceof IOException io ? TraceFormatException.in(target, "cannot create a temporary directory beside the target", io)
                    : (UncheckedIOException) e;
        }
    }

    /**
     * A resumable run's staging directory, {@code NAME.partial} beside the target, marked {@link OutputGuard#PARTIAL}.
     * Without {@code resume} an existing one is refused (or, with {@code overwrite}, removed: it is lookm's); with
     * {@code resume} it must exist and carry the partial marker, and its contents are kept.
     */
    public static AtomicDirectory partial(Path target, boolean overwrite, boolean resume, List<Path> inputs) {
        Path absolute = target.toAbsolutePath().normalize();
        OutputGuard.requireSafe(absolute, overwrite, inputs);
        Path temp = partialOf(absolute);
        OutputGuard.requireApartFromInputs(temp, inputs);
        boolean exists = Files.exists(temp);
        if (exists && !Files.isDirectory(temp)) throw TraceFormatException.in(temp, "exists and is not a directory; remove it or choose another --out");
        boolean ours = exists && OutputGuard.PARTIAL.equals(OutputGuard.markerState(temp));
        if (exists && !ours)
            throw TraceFormatException.in(temp, "exists but is not a partial lookm output (no " + OutputGuard.MARKER + " marker with state="
                    + OutputGuard.PARTIAL + "); remove it or choose another --out");
        if (resume && !exists)
            throw TraceFormatException.in(temp, "does not exist: there is no interrupted run to resume for --out " + target);
        if (exists) refuseIfLocked(temp);
        if (!resume && exists && !overwrite)
            throw TraceFormatException.in(temp, "holds the finished cells of an interrupted run; pass --resume to continue it,"
                    + " or --overwrite to start over");
        try {
            if (!resume && exists) deleteRecursively(temp);
            Files.createDirectories(temp);
            lock(temp);
            OutputGuard.writeMarker(temp, OutputGuard.PARTIAL);
            AtomicDirectory partial = new AtomicDirectory(absolute, temp, overwrite, inputs);
            partial.locked = true;
            return partial;
        } catch (IOException e) {
            throw TraceFormatException.in(absolute, "cannot create the partial output directory " + temp, e);
        }
    }

    /** Takes the partial directory's lock file (this process's id), refusing one held by another running process. */
    private static void lock(Path dir) throws IOException {
        Path lock = dir.resolve(LOCK);
        try {
            Files.writeString(lock, Long.toString(PID), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            refuseIfLocked(dir);                        // a dead run's lock: take it over
            Files.writeString(lock, Long.toString(PID));
        }
    }

    private static void refuseIfLocked(Path dir) {
        Path lock = dir.resolve(LOCK);
        try {
            if (!Files.isRegularFile(lock)) return;
            long pid = Long.parseLong(Files.readString(lock).trim());
            if (pid != PID && isAlive(pid))
                throw TraceFormatException.in(dir, "is being written by process " + pid + ", which is still running; wait for it to end or stop it");
        } catch (IOException | NumberFormatException e) {
            // an unreadable lock was left by a run that died while writing it: not held
        }
    }

    private void unlock() {
        if (!locked) return;
        locked = false;
        try {
            Files.deleteIfExists(temp.resolve(LOCK));
        } catch (IOException e) {
            // a stale lock names a dead process: the next run takes it over
        }
    }

    /** Where a resumable run for {@code target} keeps its finished cells. */
    public static Path partialOf(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        return absolute.resolveSibling(absolute.getFileName() + PARTIAL_SUFFIX);
    }

    /** Removes the temporary directory if the JVM is stopped (Ctrl-C, SIGTERM) before {@link #commit()} or {@link #abort()}. */
    private synchronized AtomicDirectory abortOnExit() {
        if (exitHook == null && !finished) {
            exitHook = ExitCleanup.register("lookm-staging-cleanup", this::abort);
        }
        return this;
    }

    private synchronized void removeExitHook() {
        if (Thread.currentThread() == exitHook) return;
        ExitCleanup.cancel(exitHook);                   // when stopping, the hook runs abort(), which is idempotent
        exitHook = null;
    }

    /** Where files are written before the commit. */
    public Path temp() { return temp; }

    public Path target() { return target; }

    /** Renames the temporary directory to the target (its marker set to complete first). */
    public synchronized Path commit() {
        if (finished) throw new IllegalStateException("already committed or aborted: " + target);
        OutputGuard.requireSafe(target, overwrite, inputs);
        unlock();
        OutputGuard.writeMarker(temp, OutputGuard.COMPLETE);
        try {
            Path old = null;
            if (Files.exists(target)) {
                old = target.resolveSibling(TEMP_PREFIX + target.getFileName() + OLD_INFIX + PID + "-" + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE));
                move(target, old);
            }
            move(temp, target);
            finished = true;
            removeExitHook();
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

    /**
     * Deletes the temporary directory; idempotent. It is first renamed aside, so a writer still running (the JVM is
     * stopping under it) cannot add files to it; the deletion is retried while such a writer finishes its last file.
     */
    public synchronized void abort() {
        removeExitHook();
        if (finished) return;
        finished = true;
        Path doomed = temp;
        try {
            doomed = temp.resolveSibling(TEMP_PREFIX + target.getFileName() + OLD_INFIX + PID + "-" + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE));
            move(temp, doomed);
        } catch (IOException e) {
            doomed = temp;                              // already gone, or cannot be renamed: delete it where it is
        }
        deleteRetrying(doomed);
    }

    /** Deletes a tree, retrying a few times while a writer that is still running (the JVM is stopping) adds its last file. */
    public static void deleteRetrying(Path doomed) {
        for (int attempt = 1; ; attempt++) {
            try {
                deleteRecursively(doomed);
                return;
            } catch (UncheckedIOException e) {
                if (attempt == DELETE_ATTEMPTS) throw e;
                try {
                    Thread.sleep(DELETE_RETRY_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Ends without committing and keeps the temporary directory (a resumable run's finished cells); idempotent. */
    public synchronized void keep() {
        finished = true;
        unlock();
    }

    public boolean finished() { return finished; }

    /**
     * Removes the staging and moved-aside entries for target {@code name} in {@code parent} left by processes that no
     * longer run. Only names this class (or the npz writer, {@link #stagingName}) creates are touched; a directory only
     * when empty or marked by lookm.
     */
    static void removeStale(Path parent, String name) {
        Pattern own = Pattern.compile(Pattern.quote(TEMP_PREFIX + name) + "(?:" + Pattern.quote(TEMP_INFIX) + "|" + Pattern.quote(OLD_INFIX)
                + ")(\\d+)-[0-9a-f]+");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, TEMP_PREFIX + "*")) {
            for (Path p : entries) {
                Matcher m = own.matcher(p.getFileName().toString());
                if (!m.matches() || isAlive(Long.parseLong(m.group(1)))) continue;
                if (Files.isRegularFile(p)) Files.deleteIfExists(p);
                else if (Files.isDirectory(p) && (Files.isRegularFile(p.resolve(OutputGuard.MARKER)) || isEmptyDirectory(p))) deleteRecursively(p);
            }
        } catch (IOException | UncheckedIOException | NumberFormatException e) {
            // best effort: a leftover we cannot remove now is retried by the next run; it never blocks this one
        }
    }

    /**
     * A fresh staging name beside {@code target} for writers that stage a single file ({@code .NAME.tmp-PID-RANDOM}),
     * after removing such leftovers of dead processes.
     */
    public static Path stagingName(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute.getParent())) removeStale(absolute.getParent(), absolute.getFileName().toString());
        return absolute.resolveSibling(TEMP_PREFIX + absolute.getFileName() + TEMP_INFIX + PID + "-" + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE));
    }

    private static boolean isAlive(long pid) {
        return pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

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
