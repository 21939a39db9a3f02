package lookm.spark;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.Function;
import lookm.traces.read.TraceReader;

/**
 * Open trace readers kept between the tasks of one run on an executor, so a trace's files are opened and their
 * checksums verified (integrity.arrow: sha256 of each whole file, on first read) once per reader, not once per layer
 * task. A task borrows a reader of its trace (or opens one) and gives it back; a reader is used by one task at a time.
 * At most {@value #IDLE} idle readers are kept (the eldest is closed), keyed by the run, so a later run never reads
 * through an earlier run's reader. {@link #clear(String)} closes a run's readers (the driver, when its run ends; an
 * executor's readers end with the application).
 */
final class ReaderPool {
    /** Idle readers kept per executor JVM: the sweep's tasks come trace by trace, so a few cover the running ones. */
    static final int IDLE = 8;

    private record Idle(String run, Path trace, TraceReader reader) {}

    private static final Deque<Idle> IDLE_READERS = new ArrayDeque<>();

    private ReaderPool() {}

    /** Runs {@code work} with a reader of {@code trace} for run {@code run}; a reader that failed is closed, not kept. */
    static <T> T with(String run, Path trace, Function<TraceReader, T> work) {
        TraceReader reader = borrow(run, trace);
        boolean ok = false;
        try {
            T out = work.apply(reader);
            ok = true;
            return out;
        } finally {
            if (ok) giveBack(run, trace, reader);
            else reader.close();
        }
    }

    private static TraceReader borrow(String run, Path trace) {
        synchronized (IDLE_READERS) {
            for (Iterator<Idle> it = IDLE_READERS.iterator(); it.hasNext(); ) {
                Idle i = it.next();
                if (i.run().equals(run) && i.trace().equals(trace)) {
                    it.remove();
                    return i.reader();
                }
            }
        }
        return TraceReader.open(trace);
    }

    private static void giveBack(String run, Path trace, TraceReader reader) {
        Idle eldest = null;
        synchronized (IDLE_READERS) {
            IDLE_READERS.addFirst(new Idle(run, trace, reader));
            if (IDLE_READERS.size() > IDLE) eldest = IDLE_READERS.removeLast();
        }
        if (eldest != null) eldest.reader().close();
    }

    /** Closes every idle reader of run {@code run}. */
    static void clear(String run) {
        Deque<Idle> closing = new ArrayDeque<>();
        synchronized (IDLE_READERS) {
            for (Iterator<Idle> it = IDLE_READERS.iterator(); it.hasNext(); ) {
                Idle i = it.next();
                if (i.run().equals(run)) {
                    it.remove();
                    closing.add(i);
                }
            }
        }
        for (Idle i : closing) i.reader().close();
    }
}
