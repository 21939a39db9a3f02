package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.IntFunction;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import lookm.bench.fidelity.Summary;
import lookm.bench.plot.Plots;
import lookm.bench.replay.CellStore;
import lookm.bench.replay.Replay;
import lookm.bench.replay.ReplayReport;
import lookm.bench.report.Csv;
import lookm.bench.report.Json;
import lookm.bench.report.OutputDirectory;
import lookm.bench.report.Provenance;
import lookm.bench.report.RunInfo;
import lookm.bench.report.TextTable;
import lookm.spec.policy.Backend;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.traces.read.TraceReader;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A budget sweep: every policy at every budget on one trace (each layer read once), then the comparison tables,
 * sweep.json, sweep.csv and the PNG plots. Shared by {@code lookm sweep} and {@code lookm demo}.
 */
final class SweepRun {
    /** The policies compared by default: LOOK-M's released and budgeted text prior, the merge variants, baselines. */
    static final String DEFAULT_POLICIES = "lookm,lookm-budgeted,tp-drop,tp-average,tp-weighted,h2o,h2o-pivot,h2o-average,snapkv-32,"
            + "streaming-llm,random,oracle";
    /** The budgets (N+R)/T compared by default. */
    static final String DEFAULT_BUDGETS = "0.05,0.1,0.2,0.4";
    /** CSV columns of sweep.csv. */
    static final List<String> COLUMNS = List.of("policy", "budget", "relative_error", "cosine", "recall", "topk_overlap",
            "text_retention", "image_retention", "kept_text_per_head", "kept_image_per_head", "merged_per_head", "kv_bytes_ratio",
            "compress_seconds", "allocation", "merged_mass", "requested_budget", "effective_budget", "requested_tokens", "effective_tokens",
            "requested_kv_bytes", "effective_kv_bytes", "effective_text_kv_bytes", "effective_image_kv_bytes");
    /** Bytes per MiB, for the Pareto plots' x axis. */
    static final double MIB = 1 << 20;

    private SweepRun() {}

    /** The policies {@code backend} runs; each one it lacks a stage of is skipped visibly, with the reason. */
    static List<PolicySpec> supported(String command, List<PolicySpec> policies, Backend backend, PrintWriter err) {
        List<PolicySpec> out = new ArrayList<>();
        for (PolicySpec p : policies) {
            Backend.Support s = backend.supports(p);
            if (s.supported()) out.add(p);
            else err.println("lookm " + command + ": SKIPPED policy " + p.name() + ": " + s.reason());
        }
        if (out.isEmpty()) throw new IllegalArgumentException("backend '" + backend.name() + "' runs none of the policies (see the SKIPPED lines)");
        return out;
    }

    /**
     * Runs the sweep and writes its outputs; each finished (policy, budget, layer) cell is committed to
     * {@code DIR.partial} as it finishes, and {@code resume} continues from the cells an interrupted run kept.
     *
     * @param trace the trace to replay (for demo, the extracted sample)
     * @param spec  the command's spec: streams, typed options, provenance
     */
    static Path run(String command, Path trace, SweepOptions sweep, BackendOptions backend, OutputOptions output, boolean resume,
                    CommandSpec spec) {
        return run(command, trace, sweep, backend, output, resume, spec, null);
    }

    /** As above; with {@code external} (--scores-from), every policy ranks the file's scores. */
    static Path run(String command, Path trace, SweepOptions sweep, BackendOptions backend, OutputOptions output, boolean resume,
                    CommandSpec spec, ExternalScoreOptions external) {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        List<PolicySpec> policies = sweep.policySpecs().stream().map(p -> external == null ? p : external.apply(p)).toList();
        List<Double> budgets = sweep.budgets;
        double recentShare = sweep.recentShare;
        if (budgets.isEmpty()) throw new IllegalArgumentException("--budgets needs at least one value");
        List<Double> fractions = new ArrayList<>();
        for (double b : budgets) {
            BudgetOptions.split(b, recentShare);        // validates
            fractions.add(b);
        }
        Runs.warnUnusedSeed(command, sweep.seed, policies, err);
        List<Path> inputs = Runs.inputs(trace, external);
        output.check(command, inputs);
        try (TraceReader reader = Runs.openTrace(trace); Backend be = backend.open();
             OutputDirectory dir = output.openResumable(command, resume, inputs, err)) {
            Replay.requireProbes(reader);
            policies = supported(command, policies, be, err);
            List<Replay.Job> jobs = new ArrayList<>();
            IntFunction<Scores> externalScores = external == null ? null : external.layers(reader);
            for (PolicySpec p : policies)
                for (double f : fractions) {
                    Budget b = BudgetOptions.split(f, recentShare);
                    Runs.requireKeepsTokens(b, reader.metadata().tokens(), "--budgets value " + f, trace);
                    jobs.add(new Replay.Job(p.name(), f, be.compressor(p), b, externalScores));
                }
            Provenance provenance = Runs.provenance(spec, inputs);
            ResumeKey.bind(dir, provenance, resume);
            StringBuilder parameters = new StringBuilder();
            for (PolicySpec p : policies) parameters.append(parameters.length() == 0 ? "" : "; ").append(p.name()).append(": ").append(p.parameters());
            if (external != null) parameters.append(external.describe());
            Long seed = policies.stream().map(Runs::policySeed).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            RunInfo info = Runs.withTrace(RunInfo.of(command), reader)
                    .withPolicy(String.join(",", policies.stream().map(PolicySpec::name).toList()), parameters.toString())
                    .withBackend(be.name(), be.device()).withBudget("budgets " + fractions + " of T, recent share " + recentShare)
                    .withSeed(seed).withProvenance(provenance);
            List<Replay.Result> results;
            CellStore cells = Runs.cells(dir);
            try (Progress progress = Progress.start(command + " " + policies.size() + " policies x " + fractions.size() + " budgets",
                    (long) reader.metadata().layers() * jobs.size(), err, sweep.quiet)) {
                results = Runs.keepingCells(command, dir, err,
                        () -> Replay.run(reader, jobs, reader.metadata().layers(), cells, (layer, job) -> progress.step()));
            }
            writeTables(dir, info, results);
            List<String> skipped = writePlots(dir, policies, fractions, results);
            Path written = Runs.finish(dir, cells);
            out.printf("%s: %d policies x %d budgets on %s (%s, T=%d, %d layers), backend %s, allocation %s%n", command, policies.size(),
                    fractions.size(), reader.path(), reader.metadata().modelName(), reader.metadata().tokens(), reader.metadata().layers(), be.name(),
                    String.join(", ", policies.stream().map(p -> p.allocate().toString()).distinct().toList()));
            print(out, "relative L2 error of the attention output (lower is better)", policies, fractions, results, s -> s.overall().relativeError(), false);
            print(out, "attention-mass recall: share of the full attention on kept tokens (higher is better)", policies, fractions, results,
                    s -> s.overall().recall(), false);
            print(out, "merged mass: share of the full attention on evicted tokens merged into a kept row (not counted in recall)", policies,
                    fractions, results, s -> s.overall().mergedMass(), false);
            print(out, "effective budget: K/V bytes kept / full cache (requested budget in the header)", policies, fractions, results,
                    Summary::effectiveRatio, true);
            print(out, "text tokens kept", policies, fractions, results, Summary::textRetention, true);
            print(out, "image tokens kept", policies, fractions, results, Summary::imageRetention, true);
            for (String s : skipped) err.println("lookm " + command + ": plots skipped: " + s);
            out.println("wrote " + written);
            return written;
        }
    }

    private static void writeTables(OutputDirectory dir, RunInfo info, List<Replay.Result> results) {
        Csv csv = info.annotate(new Csv(COLUMNS));
        List<Object> rows = new ArrayList<>();
        for (Replay.Result r : results) {
            Summary s = r.summary();
            csv.row(r.job().policy(), r.job().budgetFraction(), s.overall().relativeError(), s.overall().cosine(), s.overall().recall(),
                    s.overall().topKOverlap(), s.textRetention(), s.imageRetention(), s.meanKeptText(), s.meanKeptImage(), s.meanMerged(),
                    s.bytesRatio(), r.compressNanos() / 1e9, r.job().compressor().policy().allocate(), s.overall().mergedMass(),
                    s.requestedRatio(), s.effectiveRatio(), s.requestedTokens(), s.keptTokens(), s.requestedBytes(), s.keptBytes(),
                    s.keptTextBytes(), s.keptImageBytes());
            rows.add(ReplayReport.summary(r));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("run", info.toMap());
        root.put("definitions", "see bench/FIDELITY.md; budget B gives N = B·(1-share)·T heavy and R = B·share·T recent tokens");
        root.put("results", rows);
        dir.writeString("sweep.json", Json.write(root));
        dir.writeString("sweep.csv", csv.toString());
    }

    /**
     * Writes the PNGs, Pareto views: x = the effective K/V bytes each run kept (MiB, all layers), each point labelled with
     * its nominal budget; returns the reasons plots were skipped (empty when all were written).
     */
    private static List<String> writePlots(OutputDirectory dir, List<PolicySpec> policies, List<Double> fractions, List<Replay.Result> results) {
        String x = "effective KV bytes kept (MiB, all layers; labels: nominal budget)";
        try {
            dir.writeBytes("plot-relative-error.png", Plots.pareto("Relative L2 error of the attention output vs effective KV bytes", x,
                    "relative error", series(policies, fractions, results, s -> s.overall().relativeError(), "")));
            dir.writeBytes("plot-recall.png", Plots.pareto("Attention-mass recall (kept tokens only) vs effective KV bytes", x, "recall",
                    series(policies, fractions, results, s -> s.overall().recall(), "")));
            dir.writeBytes("plot-topk.png", Plots.pareto("Top-k overlap vs effective KV bytes", x, "top-k overlap",
                    series(policies, fractions, results, s -> s.overall().topKOverlap(), "")));
            Map<String, Plots.Points> retention = new LinkedHashMap<>(series(policies, fractions, results, Summary::textRetention, " text"));
            retention.putAll(series(policies, fractions, results, Summary::imageRetention, " image"));
            dir.writeBytes("plot-retention.png", Plots.pareto("Share of tokens kept per modality vs effective KV bytes", x, "share kept", retention));
            return List.of();
        } catch (Plots.PlotException e) {
            return List.of(e.getMessage());
        }
    }

    private static Map<String, Plots.Points> series(List<PolicySpec> policies, List<Double> fractions, List<Replay.Result> results,
                                                    ToDoubleFunction<Summary> metric, String suffix) {
        Map<String, Plots.Points> out = new LinkedHashMap<>();
        for (int p = 0; p < policies.size(); p++) {
            double[] x = new double[fractions.size()], y = new double[fractions.size()];
            List<String> labels = new ArrayList<>();
            for (int b = 0; b < fractions.size(); b++) {
                Summary s = results.get(p * fractions.size() + b).summary();
                x[b] = s.keptBytes() / MIB;
                y[b] = metric.applyAsDouble(s);
                labels.add(TextTable.pct(fractions.get(b)));
            }
            out.put(policies.get(p).name() + suffix, new Plots.Points(x, y, labels));
        }
        return out;
    }

    private static void print(PrintWriter out, String title, List<PolicySpec> policies, List<Double> fractions, List<Replay.Result> results,
                              ToDoubleFunction<Summary> metric, boolean percent) {
        String[] header = new String[fractions.size() + 1];
        header[0] = "policy \\ budget";
        for (int b = 0; b < fractions.size(); b++) header[b + 1] = TextTable.pct(fractions.get(b));
        TextTable t = new TextTable(header);
        for (int p = 0; p < policies.size(); p++) {
            Object[] row = new Object[fractions.size() + 1];
            row[0] = policies.get(p).name();
            for (int b = 0; b < fractions.size(); b++) {
                double v = metric.applyAsDouble(results.get(p * fractions.size() + b).summary());
                row[b + 1] = percent ? TextTable.pct(v) : TextTable.num(v, 4);
            }
            t.row(row);
        }
        out.println();
        out.println(title);
        out.print(t);
    }
}
