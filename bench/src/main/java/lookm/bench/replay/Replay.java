package lookm.bench.replay;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
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
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TracePart;

/**
 * Streams a trace layer by layer through one or more (policy, budget) jobs and measures each compressed layer's
 * fidelity on the trace's decode probes. Only the current layer (and the previous one, until it is collected) is
 * in memory: each layer is read once and every job compresses it before the next is read. Only the parts some job
 * needs are read (K/V, probes, and what the scores declare in {@code ScoreSpec.needs()}); each job sees only its own.
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
     * Runs every job on the first {@code layerCount} layers. Each finished (job, layer) cell is committed to
     * {@code cells} as it finishes; a cell already there (a resumed run) is read back instead of computed, and a layer
     * whose cells are all there is not read at all.
     *
     * @throws IllegalArgumentException if the trace has no decode probes, or {@code layerCount} is not in [1, L]
     * @throws CellFailure naming policy, budget and layer when a cell fails (its cause says why)
     */
    public static List<Result> run(TraceReader reader, List<Job> jobs, int layerCount, CellStore cells, Listener listener) {
        TraceMetadata meta = reader.metadata();
        if (layerCount < 1 || layerCount > meta.layers())
            throw new IllegalArgumentException("--layers must be in [1, " + meta.layers() + "] for " + reader.path() + ", was " + layerCount);
        requireProbes(reader);
        int bytes = meta.dtype().bytes();
        CellStore.Cell[][] done = new CellStore.Cell[jobs.size()][layerCount];
        Set<TracePart> parts = parts(jobs);
        Map<AllocateSpec, double[]> profiles = profiles(reader, jobs);                 // (0) first pass, when an allocation needs it
        for (int l = 0; l < layerCount; l++) {
            boolean missing = false;
            for (int j = 0; j < jobs.size(); j++) missing |= (done[j][l] = cells.load(j, jobs.get(j), l)) == null;
            if (!missing) {
                for (Job job : jobs) listener.done(l, job);
                continue;
            }
            TraceLayer layer = reader.layer(l, parts);                                  // (1) read one layer, only the parts needed
            Queries probes = layer.observation().probeQueries();
            for (int j = 0; j < jobs.size(); j++) {
                Job job = jobs.get(j);
                if (done[j][l] == null) {
                    done[j][l] = compress(job, l, layer, probes, bytes, new LayerContext(l, meta.layers(), profiles.get(job.compressor().policy().allocate())));                  // (2) compress, (3) fidelity
                    cells.save(j, job, l, done[j][l]);                                    // (4) commit the cell
                }
                listener.done(l, job);
            }
        }
        List<Result> results = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            List<LayerFidelity> layers = new ArrayList<>();
            long nanos = 0;
            for (CellStore.Cell c : done[j]) {
                layers.add(c.fidelity());
                nanos += c.compressNanos();
            }
            results.add(new Result(jobs.get(j), layers, nanos));
        }
        return results;
    }

    /**
     * The first pass: for each distinct allocation that needs a profile, its statistic on every layer of the model
     * (all L, also when only the first layers are replayed: the shares are of the whole model's budget).
     */
    static Map<AllocateSpec, double[]> profiles(TraceReader reader, List<Job> jobs) {
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

    /** One (job, layer) cell: compress with the layer's position in the model, then measure fidelity. */
    private static CellStore.Cell compress(Job job, int l, TraceLayer layer, Queries probes, int bytes, LayerContext at) {
        try {
            Observation seen = layer.observation().only(job.compressor().policy().score().needs());   // what this policy may read
            long start = System.nanoTime();
            if (job.externalScores() != null) seen = seen.withExternal(job.externalScores().apply(l));   // --scores-from
            CompressedLayer compressed = job.compressor().compress(layer.block(), seen, job.budget(), at);
            long nanos = System.nanoTime() - start;
            return new CellStore.Cell(Fidelity.layer(l, layer.block(), probes, compressed, job.budget(), bytes), nanos);
        } catch (RuntimeException e) {
            throw new CellFailure(job, l, e);
        }
    }

    /** A (policy, budget, layer) cell that failed; the cause says why and decides the exit code. */
    public static final class CellFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CellFailure(Job job, int layer, RuntimeException cause) {
            super("policy " + job.policy() + " at budget " + job.budgetFraction() + " (" + job.budget() + "), layer " + layer + ": "
                    + cause.getMessage(), cause);
        }
    }

    /** The trace parts to read: K/V and the probes (fidelity), plus every observation part some job's score needs. */
    static Set<TracePart> parts(List<Job> jobs) {
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
