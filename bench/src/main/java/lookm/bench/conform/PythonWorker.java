package lookm.bench.conform;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * One Python worker process ({@code python -m lookm_traces.conform MODULE:CALLABLE}) speaking {@link WorkerProtocol}
 * on its stdin/stdout; its stderr is kept (the last {@value #STDERR_KEPT} bytes) to explain a crash. Nothing is
 * written to disk. Not thread-safe: one request at a time.
 */
public final class PythonWorker implements AutoCloseable {
    /** The Python module that serves the protocol. */
    public static final String WORKER_MODULE = "lookm_traces.conform";
    /** Bytes of the worker's stderr kept for error messages. */
    public static final int STDERR_KEPT = 4000;
    /** Largest answer accepted, bytes (a malformed length prefix must not allocate gigabytes). */
    public static final long MAX_ANSWER_BYTES = 1L << 30;
    /** Seconds the worker may take to import torch and the variant and say it is ready. */
    public static final double STARTUP_SECONDS = 120;
    /** Seconds given to the worker to exit after its stdin closes. */
    private static final long EXIT_GRACE_SECONDS = 2;

    /** Why the worker, not the variant, failed: it crashed, hung, or answered outside the protocol. */
    public enum Failure { CRASHED, HUNG, MALFORMED }

    /** The worker failed on a case; the case is added by the caller. */
    public static final class WorkerFailedException extends RuntimeException {
        public final Failure failure;

        WorkerFailedException(Failure failure, String message) {
            super(message);
            this.failure = failure;
        }
    }

    private final String callable;
    private final Process process;
    private final DataOutputStream in;
    private final DataInputStream out;
    private final StderrTail stderr;
    private final long timeoutMillis;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lookm-conform-reader");
        t.setDaemon(true);
        return t;
    });
    private final BufferAllocator allocator = new RootAllocator();
    private boolean dead;

    private PythonWorker(String callable, Process process, long timeoutMillis) {
        this.callable = callable;
        this.process = process;
        this.in = new DataOutputStream(process.getOutputStream());
        this.out = new DataInputStream(process.getInputStream());
        this.stderr = new StderrTail(process.getErrorStream());
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Starts {@code python -m lookm_traces.conform callable}.
     *
     * @param python      the interpreter
     * @param pythonPath  directories put before PYTHONPATH (where the worker package and the variant's module live)
     * @param timeoutSeconds seconds one answer may take before the worker counts as hung
     */
    public static PythonWorker start(Path python, List<Path> pythonPath, String callable, double timeoutSeconds) {
        List<String> command = List.of(python.toString(), "-u", "-m", WORKER_MODULE, callable);
        ProcessBuilder pb = new ProcessBuilder(command);
        List<String> path = new ArrayList<>();
        for (Path p : pythonPath) path.add(p.toAbsolutePath().toString());
        String existing = System.getenv("PYTHONPATH");
        if (existing != null && !existing.isBlank()) path.add(existing);
        if (!path.isEmpty()) pb.environment().put("PYTHONPATH", String.join(java.io.File.pathSeparator, path));
        PythonWorker worker;
        try {
            worker = new PythonWorker(callable, pb.start(), Math.round(timeoutSeconds * 1000));
        } catch (IOException e) {
            throw new WorkerFailedException(Failure.CRASHED, "could not start " + String.join(" ", command) + ": " + e.getMessage());
        }
        try {
            byte[] hello = worker.await(worker.reader.submit(worker::readMessage), Math.round(STARTUP_SECONDS * 1000), "to start");
            if (!WorkerProtocol.isReady(worker.allocator, hello))
                throw new WorkerFailedException(Failure.MALFORMED, "the worker for " + callable + " did not start with the protocol's ready message");
            return worker;
        } catch (RuntimeException e) {
            worker.close();
            throw e;
        }
    }

    /** The variant's answer for one case. @throws WorkerFailedException when the worker crashed, hung or broke the protocol */
    public WorkerProtocol.Answer compress(KvBlock block, Observation observation, Budget budget) {
        if (dead) throw new WorkerFailedException(Failure.CRASHED, "the worker for " + callable + " is no longer running");
        byte[] request = WorkerProtocol.request(allocator, block, observation, budget);
        Future<byte[]> answer = reader.submit(this::readMessage);
        try {
            in.writeLong(request.length);
            in.write(request);
            in.flush();
        } catch (IOException e) {
            answer.cancel(true);
            throw crashed("could not send the case (" + e.getMessage() + ")");
        }
        byte[] message = await(answer, timeoutMillis, "to answer");
        try {
            return WorkerProtocol.answer(allocator, message, block.heads(), block.headDim());
        } catch (WorkerProtocol.MalformedAnswerException e) {
            throw new WorkerFailedException(Failure.MALFORMED, "the worker for " + callable + " answered outside the protocol: " + e.getMessage());
        }
    }

    /** The next message, within {@code millis}. */
    private byte[] await(Future<byte[]> answer, long millis, String what) {
        try {
            return answer.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            dead = true;
            process.destroyForcibly();
            throw new WorkerFailedException(Failure.HUNG, "the worker for " + callable + " hung: it took more than "
                    + millis / 1000.0 + " s " + what + (what.equals("to answer") ? " (--timeout)" : "") + "; killed" + stderr.describe());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw crashed("interrupted while waiting for the worker");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WorkerFailedException w) {
                dead = true;
                throw w;
            }
            throw crashed(cause instanceof EOFException ? "it closed its stdout" : String.valueOf(cause.getMessage()));
        }
    }

    private byte[] readMessage() throws IOException {
        long length = out.readLong();
        if (length < 0 || length > MAX_ANSWER_BYTES)
            throw new WorkerFailedException(Failure.MALFORMED, "the worker for " + callable + " sent a message length of " + length
                    + " bytes (expected 0.." + MAX_ANSWER_BYTES + "): something other than the protocol wrote to its stdout?");
        return out.readNBytes((int) length);
    }

    private WorkerFailedException crashed(String why) {
        dead = true;
        String exit = "";
        try {
            if (process.waitFor(EXIT_GRACE_SECONDS, TimeUnit.SECONDS)) exit = ", exit status " + process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        return new WorkerFailedException(Failure.CRASHED, "the worker for " + callable + " crashed: " + why + exit + stderr.describe());
    }

    @Override public void close() {
        try {
            in.close();
            if (!process.waitFor(EXIT_GRACE_SECONDS, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            reader.shutdownNow();
            allocator.close();
        }
    }

    /** Drains the worker's stderr on a daemon thread and keeps its tail. */
    private static final class StderrTail {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        StderrTail(InputStream stream) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[STDERR_KEPT];
                try {
                    for (int n; (n = stream.read(buffer)) >= 0; ) synchronized (kept) { kept.write(buffer, 0, n); trim(); }
                } catch (IOException ignored) {
                    // the process is gone: what was read is what there is
                }
            }, "lookm-conform-stderr");
            t.setDaemon(true);
            t.start();
        }

        private void trim() {
            if (kept.size() <= 2 * STDERR_KEPT) return;
            byte[] all = kept.toByteArray();
            kept.reset();
            kept.write(all, all.length - STDERR_KEPT, STDERR_KEPT);
        }

        String describe() {
            try {
                Thread.sleep(EXIT_GRACE_SECONDS * 100);                    // let the drain thread catch the last lines
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String text;
            synchronized (kept) { text = kept.toString(StandardCharsets.UTF_8).strip(); }
            if (text.isEmpty()) return "";
            if (text.length() > STDERR_KEPT) text = text.substring(text.length() - STDERR_KEPT);
            return "; its stderr ends with: " + text.replace(System.lineSeparator(), " | ");
        }
    }
}
