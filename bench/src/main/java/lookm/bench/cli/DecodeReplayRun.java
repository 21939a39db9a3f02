package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.bench.fidelity.Metrics;
import lookm.bench.replay.DecodeReplay;
import lookm.bench.replay.ReplayReport;
import lookm.bench.report.Csv;
import lookm.bench.report.Json;
import lookm.bench.report.OutputDirectory;
import lookm.bench.report.RunInfo;
import lookm.bench.report.TextTable;
import lookm.spec.decode.DecodeSchedule;
import lookm.spec.policy.Backend;
import lookm.spec.policy.PolicySpec;
import lookm.traces.read.TraceReader;

/**
 * {@code lookm replay --decode-every N --decode-cap C}: the decode-phase streaming replay of one policy; writes
 * decode.json (schedule, the cap invariant as observed, fidelity overall, per step and per layer) and decode_steps.csv
 * (one row per layer and generated token), and prints the per-step table.
 */
final class DecodeReplayRun {
    static final String JSON = "decode.json";
    static final String CSV = "decode_steps.csv";
    static final List<String> STEP_COLUMNS = List.of("layer", "step", "position", "rows_min", "rows_max", "since_compression", "compressed_after",
            "relative_error", "cosine", "recall", "merged_mass", "topk_overlap");

    private DecodeReplayRun() {}

    static int run(ReplayCommand c, PolicySpec p) {
        DecodeSchedule schedule = c.decode.schedule();
        PrintWriter out = c.spec.commandLine().getOut(), err = c.spec.commandLine().getErr();
        String name = ReplayCommand.NAME;
        refuse(c.resume.resume, "--resume");
        refuse(c.external.scoresFrom != null, "--scores-from (external scores cover the prompt only, not the generated tokens)");
        refuse(c.threads > 1, "--threads");
        if (!(p.allocate() instanceof lookm.spec.policy.AllocateSpec.Uniform))
            throw new IllegalArgumentException("--decode-every supports the uniform allocation only (each KV head's cache is compressed to the"
                    + " same cap), was --allocate " + c.allocation.allocate);
        DecodeSchedule.requireBounded(p);
        for (String option : List.of("--budget", "--hh-ratio", "--recent-ratio", "--compression-ratio", "--recent-share"))
            if (Runs.given(c.spec, option))
                Runs.warn(name, option + " has no effect with --decode-every: every compression keeps --decode-cap rows (" + schedule.budget() + ")", err);
        if (Runs.given(c.spec, "--prefetch")) Runs.warn(name, "--prefetch has no effect with --decode-every (one layer at a time)", err);
        Runs.warnUnusedSeed(name, c.seed, List.of(p), err);
        List<Path> inputs = List.of(c.trace);
        c.output.check(name, inputs);
        try (TraceReader reader = Runs.openTrace(c.trace); Backend be = c.backend.open(); OutputDirectory dir = c.output.open(name, inputs)) {
            DecodeReplay.requireDecode(reader);
            RunInfo info = Runs.withTrace(RunInfo.of(name), reader).withPolicy(p.name(), p.parameters()).withBackend(be.name(), be.device())
                    .withBudget(schedule.budget().toString()).withSeed(Runs.policySeed(p)).withProvenance(Runs.provenance(c.spec, inputs));
            int count = c.layers == null ? reader.metadata().layers() : c.layers;
            DecodeReplay.Result result;
            try (Progress progress = Progress.start("replay --decode-every " + schedule.every() + " " + p.name(), count, err, c.quiet)) {
                result = DecodeReplay.run(reader, be.compressor(p), schedule, count, l -> progress.step());
            }
            dir.writeString(JSON, Json.write(json(info, result)));
            dir.writeString(CSV, csv(info, result).toString());
            Path written = dir.commit();
            out.printf("%s on %s (%s), decode replay: compress every %d generated tokens to %d rows per KV head (%s), backend %s [%s]%n",
                    p.name(), reader.path(), reader.metadata().modelName(), schedule.every(), schedule.cap(), schedule.budget(), be.name(), be.device());
            out.print(table(result));
            out.printf("cache: at most %d rows at any step (bound C + N = %d), at most %d right after a compression (cap C = %d)%n",
                    result.maxRowsAtAnyStep(), schedule.bound(schedule.every()), result.maxRowsAfterCompression(), schedule.cap());
            out.println("wrote " + written);
        }
        return LookmCli.EXIT_OK;
    }

    private static void refuse(boolean given, String option) {
        if (given) throw new IllegalArgumentException(option + " cannot be combined with --decode-every");
    }

    /** Per generated token: the mean over layers. */
    static String table(DecodeReplay.Result r) {
        TextTable t = new TextTable("step", "position", "rows max", "rel.err", "cosine", "recall", "merged", "top-k", "compressed");
        List<Metrics> perStep = r.perStep();
        List<DecodeReplay.Step> first = r.layers().get(0).steps();
        for (int s = 0; s < perStep.size(); s++) {
            Metrics m = perStep.get(s);
            int rows = 0;
            for (DecodeReplay.Layer l : r.layers()) rows = Math.max(rows, l.steps().get(s).rowsMax());
            t.row(s, first.get(s).position(), rows, TextTable.num(m.relativeError(), 4), TextTable.num(m.cosine(), 4), TextTable.pct(m.recall()),
                    TextTable.pct(m.mergedMass()), TextTable.pct(m.topKOverlap()), first.get(s).compressedAfter() ? "yes" : "");
        }
        Metrics all = r.overall();
        t.row("all", "", r.maxRowsAtAnyStep(), TextTable.num(all.relativeError(), 4), TextTable.num(all.cosine(), 4), TextTable.pct(all.recall()),
                TextTable.pct(all.mergedMass()), TextTable.pct(all.topKOverlap()), "");
        return t.toString();
    }

    static Map<String, Object> json(RunInfo info, DecodeReplay.Result r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("run", info.toMap());
        root.put("definitions", "see bench/FIDELITY.md, 'Decode-phase replay', and SPEC.md §9; means are arithmetic over the Hq query heads,"
                + " then over layers");
        Map<String, Object> schedule = new LinkedHashMap<>();
        schedule.put("every", r.schedule().every());
        schedule.put("cap", r.schedule().cap());
        schedule.put("recent", r.schedule().recent());
        schedule.put("budget", r.schedule().budget().toString());
        root.put("schedule", schedule);
        Map<String, Object> invariant = new LinkedHashMap<>();
        invariant.put("name", "withinDecodeCap (SPEC.md I18)");
        invariant.put("maxRowsAfterCompression", r.maxRowsAfterCompression());
        invariant.put("cap", r.schedule().cap());
        invariant.put("maxRowsAtAnyStep", r.maxRowsAtAnyStep());
        invariant.put("boundAtAnyStep", r.schedule().bound(r.schedule().every()));
        invariant.put("holds", r.maxRowsAfterCompression() <= r.schedule().cap() && r.maxRowsAtAnyStep() <= r.schedule().bound(r.schedule().every()));
        root.put("invariant", invariant);
        root.put("overall", ReplayReport.metrics(r.overall()));
        root.put("compressSeconds", r.compressNanos() / 1e9);
        List<Object> steps = new ArrayList<>();
        List<Metrics> perStep = r.perStep();
        for (int s = 0; s < perStep.size(); s++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", s);
            m.put("position", r.layers().get(0).steps().get(s).position());
            m.putAll(ReplayReport.metrics(perStep.get(s)));
            steps.add(m);
        }
        root.put("perStep", steps);
        List<Object> layers = new ArrayList<>();
        for (DecodeReplay.Layer l : r.layers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", l.layer());
            Metrics.Mean mean = new Metrics.Mean();
            for (DecodeReplay.Step s : l.steps()) mean.add(s.mean());
            m.putAll(ReplayReport.metrics(mean.mean()));
            m.put("compressions", l.compressions());
            m.put("rowsAfterPromptCompression", l.rowsAfterPromptCompression());
            m.put("maxRowsAfterCompression", l.maxRowsAfterCompression());
            m.put("rowsPerStep", l.steps().stream().map(DecodeReplay.Step::rowsMax).toList());
            layers.add(m);
        }
        root.put("perLayer", layers);
        return root;
    }

    static Csv csv(RunInfo info, DecodeReplay.Result r) {
        Csv csv = new Csv(STEP_COLUMNS).comment("lookm replay --decode-every " + r.schedule().every() + " --decode-cap " + r.schedule().cap()
                + ": " + info.policy() + " on " + info.tracePath());
        for (DecodeReplay.Layer l : r.layers())
            for (DecodeReplay.Step s : l.steps()) {
                Metrics m = s.mean();
                csv.row(s.layer(), s.step(), s.position(), s.rowsMin(), s.rowsMax(), s.sinceCompression(), s.compressedAfter(),
                        m.relativeError(), m.cosine(), m.recall(), m.mergedMass(), m.topKOverlap());
            }
        return csv;
    }
}
