package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.IntFunction;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.Locale;
import lookm.bench.backend.Backends;
import lookm.bench.fidelity.LayerFidelity;
import lookm.bench.fidelity.Summary;
import lookm.bench.sweep.CellTable;
import lookm.bench.sweep.SweepEngine;
import lookm.bench.sweep.SweepPlan;
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
import lookm.spec.policy.Compressor;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceMetadata;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A budget sweep: every policy at every budget on one trace or several (each layer read once), then the comparison
 * tables, sweep.json, sweep.csv, the tidy per-cell table sweep-cells.csv and the PNG plots. Shared by {@code lookm sweep}
 * and {@code lookm demo}. The cells run on this JVM, or on another {@link SweepEngine} ({@code --engine spark}); both
 * compute each cell through {@link Replay#cell}.
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
    /** The first column of sweep.csv with --traces. */
    static final String TRACE_COLUMN = "trace";
    /** The tidy per-cell table ({@link CellTable}). */
    static final String CELLS_CSV = "sweep-cells.csv";
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
        return run(command, List.of(trace), false, sweep, backend, output, resume, spec, null, null);
    }

    /**
     * As above, on {@code traces}; with {@code traceColumn} (--traces) the tables carry the trace as a column and the printed
     * tables and plots pool the traces' cells. With {@code external} (--scores-from, one trace), every policy ranks the
     * file's scores; with an {@code engine} other than local, the cells are computed by that {@link SweepEngine}.
     */
    static Path run(String command, List<Path> traces, boolean traceColumn, SweepOptions sweep, BackendOptions backend, OutputOptions output,
                    boolean resume, CommandSpec spec, ExternalScoreOptions external, EngineOptions engine) {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        List<PolicySpec> policies = sweep.policySpecs().stream().map(p -> external == null ? p : external.apply(p)).toList();
        List<Column> columns = columns(command, sweep, spec, err);
        List<Double> fractions = columns.stream().map(Column::fraction).toList();
        boolean local = engine == null || engine.local();
        if (engine != null && engine.local() && engine.master != null) Runs.warn(command, "--master has no effect with --engine local", err);
        if (!local && !Backends.REFERENCE.equals(backend.backend))
            throw new IllegalArgumentException("--engine " + engine.engine + " runs the reference backend on its workers; --backend "
                    + backend.backend + " is for --engine local");
        if (external != null && external.scoresFrom != null && (traces.size() > 1 || !local))
            throw new IllegalArgumentException("--scores-from ranks one trace's scores on this JVM: use --trace with --engine local");
        Runs.warnUnusedSeed(command, sweep.seed, policies, err);
        List<Path> inputs = new ArrayList<>(traces);
        if (external != null && external.scoresFrom != null) inputs.add(external.scoresFrom);
        output.check(command, inputs);
        List<TraceMetadata> metas = new ArrayList<>();
        for (Path t : traces)
            try (TraceReader reader = Runs.openTrace(t)) {                     // every trace checked before any work
                Replay.requireProbes(reader);
                for (Column c : columns) Runs.requireKeepsTokens(c.budget(), reader.metadata().tokens(), c.given(), t);
                metas.add(reader.metadata());
            }
        SweepEngine remote = local ? null : SweepEngine.find(engine.engine);
        try (Backend be = backend.open(); OutputDirectory dir = output.openResumable(command, resume, inputs, err);
             SweepEngine.Session session = remote == null ? null : remote.open(engine.master, err)) {
            policies = supported(command, policies, be, err);
            List<PolicySpec> chosen = policies;
            Map<PolicySpec, Compressor> compressors = new LinkedHashMap<>();
            for (PolicySpec p : policies) compressors.put(p, be.compressor(p));
            Provenance provenance = Runs.provenance(spec, inputs);
            ResumeKey.bind(dir, provenance, resume);
            StringBuilder parameters = new StringBuilder();
            for (PolicySpec p : policies) parameters.append(parameters.length() == 0 ? "" : "; ").append(p.name()).append(": ").append(p.parameters());
            if (external != null) parameters.append(external.describe());
            Long seed = policies.stream().map(Runs::policySeed).filter(java.util.Objects::nonNull).findFirst().orElse(null);
            RunInfo info = withTraces(RunInfo.of(command), traces, traceColumn, metas)
                    .withPolicy(String.join(",", policies.stream().map(PolicySpec::name).toList()), parameters.toString())
                    .withBackend(session == null ? be.name() : be.name() + " on " + session.describe(), be.device())
                    .withBudget(describe(sweep, fractions))
                    .withSeed(seed).withProvenance(provenance);
            CellStore cells = Runs.cells(dir);
            List<CellStore> stores = new ArrayList<>();
            for (int t = 0; t < traces.size(); t++) stores.add(traceColumn ? cells.within(String.format(Locale.ROOT, "trace-%03d", t)) : cells);
            long total = 0;
            for (TraceMetadata m : metas) total += (long) m.layers() * policies.size() * fractions.size();
            List<List<Replay.Result>> perTrace;
            String what = command + " " + (traces.size() > 1 ? traces.size() + " traces x " : "") + policies.size() + " policies x "
                    + fractions.size() + " budgets";
            try (Progress progress = Progress.start(what, total, err, sweep.quiet)) {
                Replay.Listener step = (layer, job) -> progress.step();
                perTrace = Runs.keepingCells(command, dir, err, () -> session == null
                        ? localCells(traces, traceColumn, labels(traces), chosen, compressors, columns, external, stores, step)
                        : remoteCells(session, traces, labels(traces), metas, chosen, compressors, columns, stores, step));
            }
            List<String> labels = labels(traces);
            writeTables(dir, info, traceColumn ? labels : null, perTrace);
            CellTable table = new CellTable();
            for (int t = 0; t < traces.size(); t++) table.add(labels.get(t), perTrace.get(t));
            dir.writeString(CELLS_CSV, table.csv(info.annotate(new Csv(CellTable.names()))));
            if (session != null) session.writeTables(table, dir);
            List<Replay.Result> results = pooled(perTrace);
            List<String> skipped = results == null ? List.of("the traces have different numbers of KV heads; see sweep.csv per trace")
                    : writePlots(dir, policies, fractions, results);
            Path written = Runs.finish(dir, cells);
            TraceMetadata first = metas.get(0);
            if (traces.size() == 1)
                out.printf("%s: %d policies x %d budgets on %s (%s, T=%d, %d layers), backend %s, allocation %s%n", command, policies.size(),
                        fractions.size(), traces.get(0), first.modelName(), first.tokens(), first.layers(), info.backend(),
                        String.join(", ", policies.stream().map(p -> p.allocate().toString()).distinct().toList()));
            else
                out.printf("%s: %d policies x %d budgets on %d traces (%s), backend %s, allocation %s; the tables pool every trace's cells%n",
                        command, policies.size(), fractions.size(), traces.size(), models(metas), info.backend(),
                        String.join(", ", policies.stream().map(p -> p.allocate().toString()).distinct().toList()));
            if (results != null) printTables(out, policies, fractions, results);
            for (String s : skipped) err.println("lookm " + command + ": plots skipped: " + s);
            out.println("wrote " + written);
            return written;
        }
    }

    /** The local engine: each trace in turn, streamed layer by layer through every job on this JVM. */
    private static List<List<Replay.Result>> localCells(List<Path> traces, boolean traceColumn, List<String> labels, List<PolicySpec> policies,
                                                        Map<PolicySpec, Compressor> compressors, List<Column> columns, ExternalScoreOptions external, List<CellStore> stores, Replay.Listener step) {
        List<List<Replay.Result>> out = new ArrayList<>();
        for (int t = 0; t < traces.size(); t++)
            try (TraceReader reader = Runs.openTrace(traces.get(t))) {
                IntFunction<Scores> externalScores = external == null ? null : external.layers(reader);
                List<Replay.Job> jobs = jobs(policies, compressors, columns, externalScores);
                try {
                    out.add(Replay.run(reader, jobs, reader.metadata().layers(), stores.get(t), step));
                } catch (Replay.CellFailure e) {
                    if (!traceColumn) throw e;
                    throw new Replay.CellFailure("trace " + labels.get(t) + ", " + e.getMessage(), (RuntimeException) e.getCause());
                }
            }
        return out;
    }

    /** Another engine: the plan (traces, policies as expressions, budgets, first-pass profiles) computed by {@code session}. */
    private static List<List<Replay.Result>> remoteCells(SweepEngine.Session session, List<Path> traces, List<String> labels,
                                                         List<TraceMetadata> metas, List<PolicySpec> policies,
                                                         Map<PolicySpec, Compressor> compressors, List<Column> columns, List<CellStore> stores, Replay.Listener step) {
        List<Replay.Job> jobs = jobs(policies, compressors, columns, null);
        boolean profiled = jobs.stream().anyMatch(j -> j.compressor().policy().allocate().needsProfile());
        List<SweepPlan.TraceEntry> entries = new ArrayList<>();
        for (int t = 0; t < traces.size(); t++) {
            Map<String, double[]> profiles = Map.of();
            if (profiled)                                                       // (0) the first pass, here, once per trace
                try (TraceReader reader = Runs.openTrace(traces.get(t))) {
                    profiles = SweepPlan.profileTable(Replay.profiles(reader, jobs));
                }
            entries.add(new SweepPlan.TraceEntry(traces.get(t).toAbsolutePath().normalize().toString(), labels.get(t), metas.get(t).layers(),
                    metas.get(t).dtype().bytes(), profiles));
        }
        List<CellStore.Cell[][]> done = session.compute(SweepPlan.of(entries, jobs, columns.size()), stores, step);
        List<List<Replay.Result>> out = new ArrayList<>();
        for (CellStore.Cell[][] d : done) out.add(Replay.results(jobs, d));
        return out;
    }

    /** Policies × budgets, in the tables' order. */
    private static List<Replay.Job> jobs(List<PolicySpec> policies, Map<PolicySpec, Compressor> compressors, List<Column> columns,
                                         IntFunction<Scores> externalScores) {
        List<Replay.Job> jobs = new ArrayList<>();
        for (PolicySpec p : policies)
            for (Column c : columns) jobs.add(new Replay.Job(p.name(), c.fraction(), compressors.get(p), c.budget(), externalScores));
        return jobs;
    }

    /**
     * One budget column of the sweep.
     *
     * @param fraction the nominal share of T kept, the tables' "budget": B for {@code --budgets B}, 1 − CR for kvpress's CR
     * @param budget   the budget the cells run at
     * @param given    how the user gave it, for messages ("--budgets value 0.2")
     */
    record Column(double fraction, Budget budget, String given) {}

    /**
     * The budget columns: {@code --budgets} split by {@code --recent-share}, or kvpress's {@code --compression-ratios}.
     *
     * @throws IllegalArgumentException naming the option and the value
     */
    static List<Column> columns(String command, SweepOptions sweep, CommandSpec spec, PrintWriter err) {
        List<Column> out = new ArrayList<>();
        if (sweep.compressionRatios != null) {
            if (Runs.given(spec, "--budgets"))
                throw new IllegalArgumentException("--compression-ratios cannot be combined with --budgets (each gives the sweep's budgets)");
            if (Runs.given(spec, "--recent-share"))
                Runs.warn(command, "--recent-share has no effect with --compression-ratios (kvpress's budgets have no recent window)", err);
            if (sweep.compressionRatios.isEmpty()) throw new IllegalArgumentException("--compression-ratios needs at least one value");
            for (double cr : sweep.compressionRatios) {
                // (1) kvpress: n = int(T(1 − CR)) kept, all heavy; CR = 1 keeps nothing, so it is not a budget
                if (!(cr >= 0 && cr < 1)) throw new IllegalArgumentException("--compression-ratios value " + cr + " must be in [0, 1)");
                out.add(new Column(BudgetOptions.keptShare(cr), Budget.compressionRatio(cr), "--compression-ratios value " + cr));
            }
        } else {
            if (sweep.budgets.isEmpty()) throw new IllegalArgumentException("--budgets needs at least one value");
            for (double b : sweep.budgets) out.add(new Column(b, BudgetOptions.split(b, sweep.recentShare), "--budgets value " + b));
        }
        return out;
    }

    /** The run record's budget line. */
    private static String describe(SweepOptions sweep, List<Double> fractions) {
        return sweep.compressionRatios != null
                ? "kvpress compression ratios " + sweep.compressionRatios + " (n = int(T(1 - CR)) per KV head, no recent window); budgets 1 - CR = "
                  + fractions + " of T"
                : "budgets " + fractions + " of T, recent share " + sweep.recentShare;
    }

    /** Each job's cells over every trace (in trace order), or null when the traces' KV head counts differ (nothing to pool). */
    private static List<Replay.Result> pooled(List<List<Replay.Result>> perTrace) {
        if (perTrace.size() == 1) return perTrace.get(0);
        int heads = perTrace.get(0).get(0).layers().get(0).heads().size();
        for (List<Replay.Result> r : perTrace) if (r.get(0).layers().get(0).heads().size() != heads) return null;
        List<Replay.Result> out = new ArrayList<>();
        for (int j = 0; j < perTrace.get(0).size(); j++) {
            List<LayerFidelity> layers = new ArrayList<>();
            long nanos = 0;
            for (List<Replay.Result> r : perTrace) {
                layers.addAll(r.get(j).layers());
                nanos += r.get(j).compressNanos();
            }
            out.add(new Replay.Result(perTrace.get(0).get(j).job(), layers, nanos));
        }
        return out;
    }

    /** The trace column's values: each trace as it was given or matched. */
    private static List<String> labels(List<Path> traces) { return traces.stream().map(Path::toString).toList(); }

    private static String models(List<TraceMetadata> metas) {
        return String.join(", ", metas.stream().map(TraceMetadata::modelName).distinct().toList());
    }

    /** The run record's trace fields: the trace, or for --traces the list, their count and their models. */
    private static RunInfo withTraces(RunInfo info, List<Path> traces, boolean traceColumn, List<TraceMetadata> metas) {
        if (!traceColumn) {
            TraceMetadata m = metas.get(0);
            Path p = traces.get(0).toAbsolutePath().normalize();
            return info.withTrace(traces.get(0).toString(), p.getFileName() + (m.source().isEmpty() ? "" : " (" + m.source() + ")"), m.modelName());
        }
        return info.withTrace(String.join(" ", labels(traces)), traces.size() + " traces", models(metas));
    }

    private static void printTables(PrintWriter out, List<PolicySpec> policies, List<Double> fractions, List<Replay.Result> results) {
        print(out, "relative L2 error of the attention output (lower is better)", policies, fractions, results, s -> s.overall().relativeError(), false);
        print(out, "attention-mass recall: share of the full attention on kept tokens (higher is better)", policies, fractions, results,
                s -> s.overall().recall(), false);
        print(out, "merged mass: share of the full attention on evicted tokens merged into a kept row (not counted in recall)", policies,
                fractions, results, s -> s.overall().mergedMass(), false);
        print(out, "effective budget: K/V bytes kept / full cache (requested budget in the header)", policies, fractions, results,
                Summary::effectiveRatio, true);
        print(out, "text tokens kept", policies, fractions, results, Summary::textRetention, true);
        print(out, "image tokens kept", policies, fractions, results, Summary::imageRetention, true);
    }

    private static void writeTables(OutputDirectory dir, RunInfo info, List<String> labels, List<List<Replay.Result>> perTrace) {
        List<String> columns = new ArrayList<>(COLUMNS);
        if (labels != null) columns.add(0, TRACE_COLUMN);
        Csv csv = info.annotate(new Csv(columns));
        List<Object> rows = new ArrayList<>();
        for (int t = 0; t < perTrace.size(); t++)
            for (Replay.Result r : perTrace.get(t)) {
                Summary s = r.summary();
                List<Object> row = new ArrayList<>(List.of(r.job().policy(), r.job().budgetFraction(), s.overall().relativeError(),
                        s.overall().cosine(), s.overall().recall(), s.overall().topKOverlap(), s.textRetention(), s.imageRetention(),
                        s.meanKeptText(), s.meanKeptImage(), s.meanMerged(), s.bytesRatio(), r.compressNanos() / 1e9,
                        r.job().compressor().policy().allocate(), s.overall().mergedMass(), s.requestedRatio(), s.effectiveRatio(),
                        s.requestedTokens(), s.keptTokens(), s.requestedBytes(), s.keptBytes(), s.keptTextBytes(), s.keptImageBytes()));
                if (labels != null) row.add(0, labels.get(t));
                csv.row(row.toArray());
                Map<String, Object> summary = ReplayReport.summary(r);
                if (labels != null) {
                    Map<String, Object> withTrace = new LinkedHashMap<>();
                    withTrace.put("trace", labels.get(t));
                    withTrace.putAll(summary);
                    summary = withTrace;
                }
                rows.add(summary);
            }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("run", info.toMap());
        root.put("definitions", "see bench/FIDELITY.md; budget B gives N = B·(1-share)·T heavy and R = B·share·T recent tokens; "
                + "with --compression-ratios, B = 1 - CR gives n = int(T·(1 - CR)) heavy and R = 0 (kvpress)");
        root.put("results", rows);
        List<Replay.Result> pooled = labels == null ? null : pooled(perTrace);
        if (pooled != null) root.put("pooled", pooled.stream().map(ReplayReport::summary).toList());
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
