package lookm.bench.replay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import lookm.bench.fidelity.Fidelity;
import lookm.bench.fidelity.LayerFidelity;
import lookm.bench.fidelity.Summary;
import lookm.spec.allocate.LayerProfiles;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Compressor;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TracePart;

/**
 * Streams a trace layer by layer through one or more (policy, budget) jobs and measures each compressed layer's
 * fidelity on the trace's decode probes. Each layer is read once and every job compresses it; by default the next
 * layer is read only afterwards (one layer in memory); a {@link Pipeline} reads ahead on a reader thread while the
 * current layer is compressed, and may compress several layers at once. Only the parts some job needs are read
 * (K/V, probes, and what the scores declare in {@code ScoreSpec.needs()}); each job sees only its own.
 * Jobs whose allocation shares the budget by a per-layer statistic (VL-Cache-like, MEDA-like; SPEC.md §3A.5) first get
 * a profile from a first pass that reads every layer once (K/V and prefill queries), keeps one number per layer, and
 * drops the layer.
 */
public final class Replay {
    private Replay() {}

    /**
     * One policy at one budget.
     *
     * @param externalScores per layer, scores computed elsewhere to hand the scorer (ScoreSpec.External), or null
     */
    public record Job(String policy, double budgetFraction, Compressor compressor, Budget budget, IntFunction<Scores> externalScores) {
        public Job(String policy, double budgetFraction, Compressor compressor, Budget budget) {
            this(policy, budgetFraction, compressor, budget, null);
        }
    }

    /** A job's per-layer fidelity and its compression time. */
    public record Result(Job job, List<LayerFidelity> layers, long compressNanos) {
        public Summary summary() { return Summary.of(layers); }
    }

    /** Called after each (layer, job). */
    @FunctionalInterface
    public interface Listener {
        void done(int layer, Job job);
    }

    /**
     * Runs every job on every layer of the trace.
     *
     * @throws IllegalArgumentException if the trace has no decode probes (fidelity needs them)
     */
    public static List<Result> run(TraceReader reader, List<Job> jobs, Listener listener) {
        return run(reader, jobs, reader.metadata().layers(), CellStore.none(), listener);
    }

    /** Runs every job on the first {@code layerCount} layers, keeping nothing. */
    public static List<Result> run(TraceReader reader, List<Job> jobs, int layerCount, Listener listener) {
        return run(reader, jobs, layerCount, CellStore.none(), listener);
    }

    /**
     * Runs every job on the first {@code layerCount} layers, one layer at a time, nothing read ahead
     * ({@link Pipeline#SEQUENTIAL}: the least memory), committing each finished cell to {@code cells}.
     *
     * @throws IllegalArgumentException if the trace has no decode probes, or {@code layerCount} is not in [1, L]
     * @throws CellFailure naming policy, budget and layer when a cell fails (its cause says why)
     */
    public static List<Result> run(TraceReader reader, List<Job> jobs, int layerCount, CellStore cells, Listener listener) {
        return run(reader, jobs, layerCount, cells, listener, Pipeline.SEQUENTIAL).results();
    }

    /**
     * How a replay overlaps its work: a reader thread reads up to {@code prefetch} layers ahead of the layer being
     * compressed, and {@code threads} layers are compressed at once (each layer's jobs run in order on one thread,
     * so results do not depend on the thread count). With one thread and read-ahead, the fidelity of a layer is
     * measured on a second thread while the next layer is compressed (the compressor itself stays on the calling
     * thread, as an OpenCL backend needs). At most prefetch + threads + 1 layers are in memory.
     * More than one thread needs thread-safe compressors (the reference; not an OpenCL backend, one queue).
     */
    public record Pipeline(int prefetch, int threads) {
        /** Read, compress, read the next: one layer in memory. */
        public static final Pipeline SEQUENTIAL = new Pipeline(0, 1);

        public Pipeline {
            if (prefetch < 0) throw new IllegalArgumentException("--prefetch must be >= 0, was " + prefetch);
            if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, was " + threads);
        }
    }

    /**
     * Where the time of a replay went. {@code readSeconds}: the reader thread decoding layers (wall time, overlapped
     * with compression when prefetching), of which {@code readCpuSeconds} on a core (the rest waited for the disk or
     * for a core); {@code waitSeconds}: the compressing (calling) thread idle, waiting for a layer to be read;
     * {@code waitOtherSeconds}: the same thread idle, waiting for the pipeline's other threads (the fidelity of the
     * previous layer, or the worker threads); {@code compressSeconds} and {@code fidelitySeconds}: summed over layers
     * and jobs (over threads when several); {@code sinkSeconds}: the calling thread handing compressed layers to the
     * {@link LayerSink} (writing the decisions of {@code --export-decisions}), part of the wall time.
     */
    public record Throughput(int layers, double wallSeconds, double readSeconds, double readCpuSeconds, double waitSeconds,
                             double waitOtherSeconds, double compressSeconds, double fidelitySeconds, double sinkSeconds, long bytesRead) {
        /** Share of the wall time the compressing thread must spend waiting for reads for the replay to count as bound by reading. */
        public static final double READ_BOUND_SHARE = 0.5;

        public double layersPerSecond() { return layers / wallSeconds; }

        /** Trace bytes on disk per second of wall time. */
        public double megabytesPerSecond() { return bytesRead / 1e6 / wallSeconds; }

        /**
         * "read" when the compressing thread spent at least {@link #READ_BOUND_SHARE} of the wall time waiting for
         * the reader (faster compression or fidelity could not make the replay much faster), else "compute". Whether
         * the reading itself was the disk or the decoding on a core, {@code readCpuSeconds} against {@code readSeconds}
         * tells.
         */
        public String boundBy() { return waitSeconds >= wallSeconds * READ_BOUND_SHARE ? "read" : "compute"; }
    }

    /** The results and the replay's throughput. */
    public record Run(List<Result> results, Throughput throughput) {}

    /** One layer's outputs, per job. */
    private record LayerOutput(int layer, LayerFidelity[] fidelity, long[] compressNanos, long fidelityNanos, CompressedLayer[] compressed) {}

    /**
     * Receives each job's compressed layer as its cell is committed: on the calling thread, in layer order, only for
     * cells computed by this run (not those a resumed run read back). {@code job} indexes the replay's jobs.
     */
    @FunctionalInterface
    public interface LayerSink {
        void accept(int layer, int job, CompressedLayer compressed);
    }

    /**
     * Runs every job on the first {@code layerCount} layers through {@code pipeline}; results in layer order. Each
     * finished (job, layer) cell is committed to {@code cells} as its layer finishes (on the calling thread, in layer
     * order); a cell already there (a resumed run) is read back instead of computed, and a layer whose cells are all
     * there is not read at all.
     *
     * @throws IllegalArgumentException if the trace has no decode probes, or {@code layerCount} is not in [1, L]
     * @throws CellFailure naming policy, budget and layer when a cell fails (its cause says why)
     */
    public static Run run(TraceReader reader, List<Job> jobs, int layerCount, CellStore cells, Listener listener, Pipeline pipeline) {
        return run(reader, jobs, layerCount, cells, listener, pipeline, null);
    }

    /**
     * {@link #run(TraceReader, List, int, CellStore, Listener, Pipeline)}, handing each newly compressed layer to
     * {@code sink} (or nobody, when null) as its cell is committed, e.g. to export the decisions without compressing
     * the layers again.
     */
    public static Run run(TraceReader reader, List<Job> jobs, int layerCount, CellStore cells, Listener listener, Pipeline pipeline, LayerSink sink) {
        TraceMetadata meta = reader.metadata();
        if (layerCount < 1 || layerCount > meta.layers())
            throw new IllegalArgumentException("--layers must be in [1, " + meta.layers() + "] for " + reader.path() + ", was " + layerCount);
        requireProbes(reader);
        int bytes = meta.dtype().bytes();
        Set<TracePart> parts = parts(jobs);
        CellStore.Cell[][] done = new CellStore.Cell[jobs.size()][layerCount];
        List<Integer> todo = new ArrayList<>();                                                // layers with a cell missing
        for (int l = 0; l < layerCount; l++) {
            boolean missing = false;
            for (int j = 0; j < jobs.size(); j++) missing |= (done[j][l] = cells.load(j, jobs.get(j), l)) == null;
            if (missing) todo.add(l);
            else for (Job job : jobs) listener.done(l, job);
        }
        Profiles profiles = new Profiles(meta.layers(), profiles(reader, jobs));        // (0) first pass, when an allocation needs it
        long start = System.nanoTime();
        long[] readNanos = new long[2];                                                  // wall, CPU: only the reader thread writes them
        long waitNanos = 0;
        long[] waitOtherNanos = new long[1];                                             // the calling thread waiting for the others
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        ExecutorService readerThread = Executors.newSingleThreadExecutor(daemon("lookm-replay-reader"));
        ExecutorService compressing = pipeline.threads() == 1 ? null : Executors.newFixedThreadPool(pipeline.threads(), daemon("lookm-replay-compress"));
        // one compressing thread with read-ahead: the fidelity of layer l runs beside the compression of layer l + 1
        ExecutorService measuring = compressing == null && pipeline.prefetch() > 0
                ? Executors.newSingleThreadExecutor(daemon("lookm-replay-fidelity")) : null;
        Deque<Future<TraceLayer>> reads = new ArrayDeque<>();
        Deque<Future<LayerOutput>> inFlight = new ArrayDeque<>();
        Finisher finished = new Finisher(jobs, done, cells, listener, profiles, sink);
        try {
            int nextRead = 0;
            for (int i = 0; i < todo.size(); i++) {
                while (nextRead < todo.size() && nextRead <= i + pipeline.prefetch()) {       // (1) read ahead, one reader
                    int layerIndex = todo.get(nextRead++);
                    reads.add(readerThread.submit(() -> {
                        long t0 = System.nanoTime(), c0 = cpu.getCurrentThreadCpuTime();   // -1 where unsupported (then NaN)
                        TraceLayer layer = reader.layer(layerIndex, parts);                     // only the parts needed
                        readNanos[0] += System.nanoTime() - t0;
                        readNanos[1] += cpu.getCurrentThreadCpuTime() - c0;
                        return layer;
                    }));
                }
                long t0 = System.nanoTime();
                TraceLayer layer = await(reads.removeFirst());
                waitNanos += System.nanoTime() - t0;
                if (compressing == null && measuring == null) {
                    finished.inOrder(layer, bytes);                                              // (2)-(4) on this thread
                } else if (compressing == null) {
                    Compressed compressed = compress(layer, jobs, profiles, finished.committed(layer.layer()));  // (2) on this thread (one queue)
                    if (!inFlight.isEmpty()) finished.accept(await(inFlight.removeFirst(), waitOtherNanos));   // (3)-(4) of the previous layer first
                    inFlight.add(measuring.submit(() -> measure(layer, compressed, bytes, jobs))); // (3) overlaps (2) of the next layer
                } else {
                    IntPredicate committed = finished.committed(layer.layer());
                    inFlight.add(compressing.submit(() -> measure(layer, compress(layer, jobs, profiles, committed), bytes, jobs)));   // (2)-(3) on a worker
                    if (inFlight.size() == pipeline.threads()) finished.accept(await(inFlight.removeFirst(), waitOtherNanos));
                }
            }
            while (!inFlight.isEmpty()) finished.accept(await(inFlight.removeFirst(), waitOtherNanos));
        } finally {
            readerThread.shutdownNow();
            if (compressing != null) compressing.shutdownNow();
            if (measuring != null) measuring.shutdownNow();
        }
        List<Result> results = results(jobs, done);
        long traceBytes = 0;
        for (long size : reader.fileSizes().values()) traceBytes += size;
        double readCpu = cpu.isCurrentThreadCpuTimeSupported() ? readNanos[1] / 1e9 : Double.NaN;    // NaN: this JVM cannot tell
        Throughput throughput = new Throughput(todo.size(), (System.nanoTime() - start) / 1e9, readNanos[0] / 1e9, readCpu,
                waitNanos / 1e9, waitOtherNanos[0] / 1e9, finished.compressNanos / 1e9, finished.fidelityNanos / 1e9,
                finished.sinkNanos / 1e9, traceBytes * todo.size() / meta.layers());
        return new Run(results, throughput);
    }

    /**
     * Each job's result from its finished cells, {@code done[job][layer]} (every one present), in layer order; the
     * compression time is the sum of the cells' times.
     */
    public static List<Result> results(List<Job> jobs, CellStore.Cell[][] done) {
        List<Result> results = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            List<LayerFidelity> perLayer = new ArrayList<>();
            long nanos = 0;
            for (CellStore.Cell c : done[j]) {
                perLayer.add(c.fidelity());
                nanos += c.compressNanos();
            }
            results.add(new Result(jobs.get(j), perLayer, nanos));
        }
        return results;
    }

    /**
     * The first pass: for each distinct allocation that needs a profile, its statistic on every layer of the model
     * (all L, also when only the first layers are replayed: the shares are of the whole model's budget).
     */
    public static Map<AllocateSpec, double[]> profiles(TraceReader reader, List<Job> jobs) {
        Map<AllocateSpec, double[]> out = new LinkedHashMap<>();
        for (Job job : jobs) {
            AllocateSpec spec = job.compressor().policy().allocate();
            if (spec.needsProfile()) out.putIfAbsent(spec, new double[reader.metadata().layers()]);
        }
        if (!out.isEmpty()) fill(reader, out);
        return out;
    }

    /** The first-pass profile of one allocation over every layer of the trace, or null when it needs none. */
    public static double[] profile(TraceReader reader, AllocateSpec spec) {
        if (!spec.needsProfile()) return null;
        Map<AllocateSpec, double[]> one = new LinkedHashMap<>();
        one.put(spec, new double[reader.metadata().layers()]);
        fill(reader, one);
        return one.get(spec);
    }

    /** Reads each layer once (K/V and the prefill queries only), computes every statistic on it, and drops it. */
    private static void fill(TraceReader reader, Map<AllocateSpec, double[]> out) {
        Set<TracePart> parts = EnumSet.of(TracePart.KV, TracePart.PREFILL_QUERIES);
        for (int l = 0; l < reader.metadata().layers(); l++) {
            TraceLayer layer = reader.layer(l, parts);
            for (Map.Entry<AllocateSpec, double[]> e : out.entrySet())
                e.getValue()[l] = LayerProfiles.statistic(e.getKey(), layer.block(), layer.observation(), l);
        }
    }

    /** Step (4), on the calling thread and in layer order: commits each missing cell and keeps the time totals. */
    private static final class Finisher {
        private final List<Job> jobs;
        private final CellStore.Cell[][] done;
        private final CellStore cells;
        private final Listener listener;
        private final Profiles profiles;
        private final LayerSink sink;
        long compressNanos, fidelityNanos, sinkNanos;

        Finisher(List<Job> jobs, CellStore.Cell[][] done, CellStore cells, Listener listener, Profiles profiles, LayerSink sink) {
            this.sink = sink;
            this.jobs = jobs;
            this.done = done;
            this.cells = cells;
            this.listener = listener;
            this.profiles = profiles;
        }

        /**
         * Which jobs of layer {@code l} a resumed run already holds (they are neither compressed nor measured again).
         * Read before the layer's work is handed to another thread; only this thread writes {@code done}, and a layer's
         * missing cells are committed after its work comes back, so the answer cannot change meanwhile.
         */
        IntPredicate committed(int l) {
            boolean[] there = new boolean[jobs.size()];
            for (int j = 0; j < there.length; j++) there[j] = done[j][l] != null;
            return j -> there[j];
        }

        /** Every job of a finished layer (the cells a resumed run already held were not recomputed). */
        void accept(LayerOutput o) {
            fidelityNanos += o.fidelityNanos();
            for (int j = 0; j < jobs.size(); j++) commit(j, o.layer(), o.fidelity()[j], o.compressNanos()[j], o.compressed()[j]);
        }

        /** Layer {@code l} job by job, each cell committed before the next job runs, so a failing cell keeps the others. */
        void inOrder(TraceLayer layer, int bytes) {
            int l = layer.layer();
            FullSide full = new FullSide(layer);                                                // shared by the layer's jobs
            for (int j = 0; j < jobs.size(); j++) {
                if (done[j][l] != null) {
                    listener.done(l, jobs.get(j));
                    continue;
                }
                LayerOutput o = one(layer, jobs.get(j), profiles.at(jobs.get(j), l), bytes, full);          // (2)-(3)
                fidelityNanos += o.fidelityNanos();
                commit(j, l, o.fidelity()[0], o.compressNanos()[0], o.compressed()[0]);
            }
        }

        private void commit(int j, int l, LayerFidelity fidelity, long nanos, CompressedLayer compressed) {
            if (done[j][l] == null) {
                done[j][l] = new CellStore.Cell(fidelity, nanos);
                cells.save(j, jobs.get(j), l, done[j][l]);                                       // (4) commit the cell
                compressNanos += nanos;
                if (sink != null) {
                    long t0 = System.nanoTime();
                    sink.accept(l, j, compressed);
                    sinkNanos += System.nanoTime() - t0;
                }
            }
            listener.done(l, jobs.get(j));
        }
    }

    /** Step (2) for one layer: every job's compressed layer and its time. */
    private record Compressed(CompressedLayer[] layers, long[] nanos) {}

    /** The first pass's statistics by allocation, over the model's {@code layers} layers. */
    private record Profiles(int layers, Map<AllocateSpec, double[]> byAllocation) {
        /** Where layer {@code l} sits in the model, with the profile {@code job}'s allocation needs (or none). */
        LayerContext at(Job job, int l) { return new LayerContext(l, layers, byAllocation.get(job.compressor().policy().allocate())); }
    }

    /**
     * One (layer, job) cell: the job's policy compresses the layer, then the compressed layer's fidelity is measured on the
     * probes. Every sweep engine (the local replay here, the Spark engine's tasks) computes each cell through this one
     * function, so their numbers are identical by construction.
     *
     * @param layer the layer, read with at least {@link #parts(List)} of this job
     * @param at    where the layer sits in the model, with the profile the job's allocation needs (or none)
     * @param bytes bytes per K/V element of the trace's dtype
     * @throws CellFailure naming policy, budget and layer when the cell fails (its cause says why)
     */
    public static CellStore.Cell cell(TraceLayer layer, Job job, LayerContext at, int bytes) {
        return new LayerCells(layer).cell(job, at, bytes);
    }

    /**
     * The cells of one layer, one job at a time, each exactly as {@link #cell} computes it, but with the layer's full-cache
     * side of the fidelity computed once for all of them (it does not depend on the policy). For an engine that streams a
     * layer through several jobs (a Spark task). One thread uses it.
     */
    public static final class LayerCells {
        private final TraceLayer layer;
        private final FullSide full;

        /** @param layer the layer, read with at least {@link #parts(List)} of the jobs to be run on it */
        public LayerCells(TraceLayer layer) {
            this.layer = layer;
            this.full = new FullSide(layer);
        }

        /** {@link Replay#cell} of {@code job} on this layer. @throws CellFailure naming policy, budget and layer */
        public CellStore.Cell cell(Job job, LayerContext at, int bytes) {
            LayerOutput o = one(layer, job, at, bytes, full);
            return new CellStore.Cell(o.fidelity()[0], o.compressNanos()[0]);
        }
    }

    /** Steps (2)-(3) for one job on one layer, with the layer's full-cache side shared by its jobs. */
    private static LayerOutput one(TraceLayer layer, Job job, LayerContext at, int bytes, FullSide full) {
        long t0 = System.nanoTime();
        CompressedLayer compressed = compressOne(layer, job, at);
        Compressed c = new Compressed(new CompressedLayer[] {compressed}, new long[] {System.nanoTime() - t0});
        return measure(layer, c, bytes, List.of(job), full);
    }

    /** Step (2) for every job of one layer but those {@code committed} already (left null, time 0). */
    private static Compressed compress(TraceLayer layer, List<Job> jobs, Profiles profiles, IntPredicate committed) {
        CompressedLayer[] out = new CompressedLayer[jobs.size()];
        long[] nanos = new long[jobs.size()];
        for (int j = 0; j < jobs.size(); j++) {
            if (committed.test(j)) continue;
            Job job = jobs.get(j);
            long t0 = System.nanoTime();
            out[j] = compressOne(layer, job, profiles.at(job, layer.layer()));
            nanos[j] = System.nanoTime() - t0;
        }
        return new Compressed(out, nanos);
    }

    /** Step (2) for one job: what the policy may read of the observation, then its compression. */
    private static CompressedLayer compressOne(TraceLayer layer, Job job, LayerContext at) {
        try {
            Observation seen = layer.observation().only(job.compressor().policy().score().needs());   // what this policy may read
            if (job.externalScores() != null)                                              // --scores-from (one caller at a time)
                synchronized (job) { seen = seen.withExternal(job.externalScores().apply(layer.layer())); }
            return job.compressor().compress(layer.block(), seen, job.budget(), at);
        } catch (RuntimeException e) {
            throw new CellFailure(job, layer.layer(), e);
        }
    }

    /** Step (3) for one layer: each job's fidelity on the probes (the full-cache side computed once for all of them). */
    private static LayerOutput measure(TraceLayer layer, Compressed compressed, int bytes, List<Job> jobs) {
        return measure(layer, compressed, bytes, jobs, new FullSide(layer));
    }

    private static LayerOutput measure(TraceLayer layer, Compressed compressed, int bytes, List<Job> jobs, FullSide full) {
        long t0 = System.nanoTime();
        LayerFidelity[] fidelity = new LayerFidelity[compressed.layers().length];
        for (int j = 0; j < fidelity.length; j++) {
            if (compressed.layers()[j] == null) continue;                        // a cell the resumed run already held
            try {
                fidelity[j] = Fidelity.layer(full.get(), compressed.layers()[j], jobs.get(j).budget(), bytes);
            } catch (RuntimeException e) {
                throw new CellFailure(jobs.get(j), layer.layer(), e);
            }
        }
        return new LayerOutput(layer.layer(), fidelity, compressed.nanos(), System.nanoTime() - t0, compressed.layers());
    }

    /**
     * The probes' attention over the full cache of one layer ({@link Fidelity#full}), computed when the first job
     * of the layer is measured and reused by the others: it does not depend on the policy. One thread uses it.
     */
    private static final class FullSide {
        private final TraceLayer layer;
        private Fidelity.FullAttention full;

        FullSide(TraceLayer layer) { this.layer = layer; }

        Fidelity.FullAttention get() {
            if (full == null) full = Fidelity.full(layer.layer(), layer.block(), layer.observation().probeQueries());
            return full;
        }
    }

    /** {@link #await(Future)}, adding the time spent waiting to {@code waited[0]}. */
    private static <T> T await(Future<T> future, long[] waited) {
        long t0 = System.nanoTime();
        T value = await(future);
        waited[0] += System.nanoTime() - t0;
        return value;
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("replay interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;              // bad input keeps its message and exit code
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** A (policy, budget, layer) cell that failed; the cause says why and decides the exit code. */
    public static final class CellFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CellFailure(Job job, int layer, RuntimeException cause) {
            this(where(job, layer) + ": " + cause.getMessage(), cause);
        }

        /** A failed cell described by {@code message} (what and where); {@code cause} decides the exit code. */
        public CellFailure(String message, RuntimeException cause) {
            super(message, cause);
        }

        /** How a failure names its cell: "policy P at budget B (ratios…), layer L". */
        public static String where(Job job, int layer) {
            return "policy " + job.policy() + " at budget " + job.budgetFraction() + " (" + job.budget() + "), layer " + layer;
        }
    }

    /** The trace parts to read: K/V and the probes (fidelity), plus every observation part some job's score needs. */
    public static Set<TracePart> parts(List<Job> jobs) {
        Set<TracePart> parts = EnumSet.of(TracePart.KV, TracePart.PROBES);
        for (Job job : jobs)
            for (Observation.Part p : job.compressor().policy().score().needs())
                parts.add(switch (p) {
                    case ACCUMULATED_ATTENTION -> TracePart.ATTENTION;
                    case PREFILL_QUERIES -> TracePart.PREFILL_QUERIES;
                    case PROBE_QUERIES -> TracePart.PROBES;
                    case EXTERNAL_SCORES -> TracePart.KV;                        // from --scores-from, not from the trace
                });
        return parts;
    }

    /** @throws IllegalArgumentException naming the trace when it has no probe queries */
    public static void requireProbes(TraceReader reader) {
        if (!reader.metadata().hasProbes())
            throw new IllegalArgumentException(reader.path() + ": the trace has no decode probe queries (lookm.trace.probes = 0);"
                    + " fidelity is measured on them: record the trace with probes, or generate one with 'lookm trace synth --probes N'");
    }
}
