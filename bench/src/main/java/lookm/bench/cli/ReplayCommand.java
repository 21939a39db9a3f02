package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import lookm.bench.backend.Backends;
import lookm.bench.replay.CellStore;
import lookm.bench.replay.DecisionExport;
import lookm.bench.replay.HeapMonitor;
import lookm.bench.replay.Replay;
import lookm.bench.replay.ReplayReport;
import lookm.bench.report.Json;
import lookm.bench.report.OutputDirectory;
import lookm.bench.report.Provenance;
import lookm.bench.report.RunInfo;
import lookm.spec.policy.Backend;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.traces.read.TraceReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookm replay}: streams a trace layer by layer through one policy and measures fidelity on its decode
 * probes. Writes replay.json, layers.csv and head_groups.csv; prints a per-layer table.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Replay a trace through one policy; fidelity per layer, per head group and overall.")
final class ReplayCommand implements Callable<Integer> {
    static final String NAME = "replay";

    @Spec CommandSpec spec;

    @Option(names = "--trace", required = true, paramLabel = "DIR", description = "Trace directory.")
    Path trace;

    @Option(names = "--policy", required = true, paramLabel = "NAME", description = "Policy name or expression, e.g. lookm, 'snapkv(window=64)', 'h2o(sinks=4) + pivot' (see 'lookm policies').")
    String policy;

    @Mixin BudgetOptions budget;
    @Mixin ScoreOptions scores;
    @Mixin AllocationOptions allocation;
    @Mixin ExternalScoreOptions external;
    @Mixin BackendOptions backend;
    @Mixin OutputOptions output;
    @Mixin OutputOptions.Resume resume;
    @Mixin DecodeOptions decode;

    @Option(names = "--layers", paramLabel = "N", description = "Replay only the first N layers (default: all).")
    Integer layers;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of a seeded policy (random); default: the registry's.")
    Long seed;

    @Option(names = "--export-decisions", paramLabel = "DIR",
            description = "Also write the policy's decisions (per layer and KV head: kept positions, merged K/V; the trace's identity)"
                    + " for the closed-loop evaluator 'python -m lookm_traces.evaluate' (bench/README.md). Same rules as --out; apart from it.")
    Path exportDecisions;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Option(names = "--prefetch", paramLabel = "N", defaultValue = "1",
            description = "Layers read ahead on a reader thread while the current one is compressed (default ${DEFAULT-VALUE};"
                    + " 0: read, then compress, one layer in memory).")
    int prefetch;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Layers compressed at once, reference backend only (default ${DEFAULT-VALUE}); results do not depend on it."
                    + " Memory: about prefetch + threads layers.")
    int threads;

    @Override public Integer call() {
        PolicySpec p = allocation.apply(Runs.withSeed(external.apply(scores.apply(PolicyArgs.one(policy))), seed));
        if (decode.enabled() && exportDecisions != null)
            throw new IllegalArgumentException("--export-decisions writes the prompt's (prefill) decisions; it does not go with --decode-every");
        if (decode.enabled()) return DecodeReplayRun.run(this, p);                                // decode-phase streaming (SPEC.md §9)
        Budget b = budget.budget();
        Replay.Pipeline pipeline = new Replay.Pipeline(prefetch, threads);
        if (threads > 1 && !Backends.REFERENCE.equals(backend.backend))
            throw new IllegalArgumentException("--threads " + threads + " needs --backend reference (an OpenCL backend has one in-order queue;"
                    + " it runs one layer at a time)");
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        budget.warnIneffective(NAME, spec, err);
        Runs.warnUnusedSeed(NAME, seed, List.of(p), err);
        List<Path> inputs = Runs.inputs(trace, external);
        Path outDir = output.check(NAME, inputs);
        if (exportDecisions != null) Decisions.check(exportDecisions, outDir, output.overwrite, inputs);
        try (TraceReader reader = Runs.openTrace(trace); Backend be = backend.open();
             OutputDirectory dir = output.openResumable(NAME, resume.resume, inputs, err)) {
            Replay.requireProbes(reader);
            Runs.requireKeepsTokens(b, reader.metadata().tokens(), budget.describe(), trace);
            Provenance provenance = Runs.provenance(spec, inputs);
            ResumeKey.bind(dir, provenance, resume.resume);
            RunInfo info = Runs.withTrace(RunInfo.of(NAME), reader).withPolicy(p.name(), p.parameters() + external.describe())
                    .withBackend(be.name(), be.device()).withBudget(b.toString()).withSeed(Runs.policySeed(p)).withProvenance(provenance);
            Replay.Job job = new Replay.Job(p.name(), budget.fraction(), be.compressor(p), b, external.layers(reader));
            Replay.Run run;
            int count = layers == null ? reader.metadata().layers() : layers;
            Map<String, Object> memory = new LinkedHashMap<>();
            CellStore cells = Runs.cells(dir);
            // --export-decisions: the replay's own compressions are written as its cells are committed (not compressed again)
            OutputDirectory decisionsDir = exportDecisions == null ? null : OutputDirectory.prepare(exportDecisions, output.overwrite, inputs);
            DecisionExport.Writer decisions = decisionsDir == null ? null : new DecisionExport.Writer(decisionsDir);
            try (decisionsDir) {                                                           // removed unless committed
                try (HeapMonitor heap = HeapMonitor.start();
                     Progress progress = Progress.start("replay " + p.name(), count, err, quiet)) {
                    run = Runs.keepingCells(NAME, dir, err, () -> Replay.run(reader, List.of(job), count, cells, (layer, j) -> progress.step(), pipeline,
                            decisions == null ? null : (layer, j, compressed) -> decisions.layer(layer, compressed)));
                    memory.put("peakLiveHeapBytes", heap.peakLiveBytes());
                    memory.put("peakUsedHeapBytes", heap.peakUsedBytes());
                    memory.put("maxHeapBytes", HeapMonitor.maxHeapBytes());
                    memory.put("layerKvBytesFloat32", 2L * reader.metadata().kvHeads() * reader.metadata().tokens() * reader.metadata().headDim() * Float.BYTES);
                }
                Replay.Result result = run.results().get(0);
                Map<String, Object> root = ReplayReport.json(info, result, memory);
                root.put("throughput", ReplayReport.throughput(run.throughput(), pipeline));
                dir.writeString("replay.json", Json.write(root));
                dir.writeString("layers.csv", ReplayReport.layersCsv(info, result).toString());
                dir.writeString("head_groups.csv", ReplayReport.headGroupsCsv(info, result).toString());
                Path written = Runs.finish(dir, cells);
                out.printf("%s on %s (%s), %s, backend %s [%s]%n", p.name(), reader.path(), reader.metadata().modelName(), b, be.name(), be.device());
                out.print(ReplayReport.table(result));
                out.printf("peak heap: %.1f MiB live after GC, %.1f MiB sampled (max %.0f MiB)%n", mib(memory.get("peakLiveHeapBytes")),
                        mib(memory.get("peakUsedHeapBytes")), mib(memory.get("maxHeapBytes")));
                out.println(ReplayReport.throughputLine(run.throughput(), pipeline));
                out.println("wrote " + written);
                if (decisions != null)                                                      // the layers not handed over, then the manifest
                    out.println("wrote decisions " + Decisions.finish(decisions, reader, job, count, p, info, provenance));
            }
        }
        return LookmCli.EXIT_OK;
    }

    private static double mib(Object bytes) { return ((Number) bytes).doubleValue() / (1 << 20); }
}
