package lookm.bench.replay;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import lookm.bench.fidelity.Fidelity;
import lookm.bench.fidelity.LayerFidelity;
import lookm.bench.fidelity.Summary;
import lookm.spec.policy.Compressor;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
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
        return run(reader, jobs, reader.metadata().layers(), listener);
    }

    /**
     * Runs every job on the first {@code layerCount} layers.
     *
     * @throws IllegalArgumentException if the trace has no decode probes, or {@code layerCount} is not in [1, L]
     */
    public static List<Result> run(TraceReader reader, List<Job> jobs, int layerCount, Listener listener) {
        TraceMetadata meta = reader.metadata();
        if (layerCount < 1 || layerCount > meta.layers())
            throw new IllegalArgumentException("--layers must be in [1, " + meta.layers() + "] for " + reader.path() + ", was " + layerCount);
        requireProbes(reader);
        int bytes = meta.dtype().bytes();
        List<List<LayerFidelity>> layers = new ArrayList<>();
        long[] nanos = new long[jobs.size()];
        for (int j = 0; j < jobs.size(); j++) layers.add(new ArrayList<>());
        Set<TracePart> parts = parts(jobs);
        for (int l = 0; l < layerCount; l++) {
            TraceLayer layer = reader.layer(l, parts);                                  // (1) read one layer, only the parts needed
            Queries probes = layer.observation().probeQueries();
            for (int j = 0; j < jobs.size(); j++) {
                Job job = jobs.get(j);
                Observation seen = layer.observation().only(job.compressor().policy().score().needs());   // what this policy may read
                long start = System.nanoTime();
                if (job.externalScores() != null) seen = seen.withExternal(job.externalScores().apply(l));   // --scores-from
                CompressedLayer compressed = job.compressor().compress(layer.block(), seen, job.budget()); // (2)
                nanos[j] += System.nanoTime() - start;
                layers.get(j).add(Fidelity.layer(l, layer.block(), probes, compressed, bytes));                      // (3)
                listener.done(l, job);
            }
        }
        List<Result> results = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) results.add(new Result(jobs.get(j), layers.get(j), nanos[j]));
        return results;
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
