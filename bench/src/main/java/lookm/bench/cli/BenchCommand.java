package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import lookm.bench.plot.Plots;
import lookm.bench.report.Csv;
import lookm.bench.report.Json;
import lookm.bench.report.OutputDirectory;
import lookm.bench.report.RunInfo;
import lookm.bench.report.TextTable;
import lookm.accelerated.OpenClBackend;
import lookm.bench.timing.BenchTarget;
import lookm.bench.timing.MatmulBaseline;
import lookm.bench.timing.StageTimes;
import lookm.bench.timing.SyntheticLayer;
import lookm.bench.timing.Validation;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;
import lookm.spec.invariant.Agreement;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceLayer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookm bench}: the same policy on the reference, the OpenCL CPU device and any GPU. Each backend's result is
 * first checked against the reference's (a backend that fails is not timed); then each stage and the whole
 * compression are timed. Prints times and ratios; writes bench.json, bench.csv and bench.png.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "GPU-vs-CPU: validate each backend against the reference, then time every stage and the whole compression.")
final class BenchCommand implements Callable<Integer> {
    static final String NAME = "bench";
    /** Modest default: finishes in seconds on 2 cores. LLaVA-7B's layer is 32,4096,128. */
    static final String DEFAULT_SHAPE = "8,1024,128";
    static final String[] STAGES = {"score", "select", "merge", "total"};
    /** Issue 15: the score stage within this factor of one float32 causal Q·Kᵀ on the same device. */
    static final double SCORE_VS_MATMUL_TARGET = 1.3;
    /** Timed runs of the matmul yardstick per batch (after one warm-up). */
    static final int MATMUL_REPEATS = 3;

    @Spec CommandSpec spec;

    @Option(names = "--trace", paramLabel = "DIR", description = "Bench on a layer of this trace instead of synthetic data.")
    Path trace;

    @Option(names = "--layer", paramLabel = "L", defaultValue = "0", description = "Trace layer to bench on (default 0).")
    int layer;

    @Option(names = "--shape", paramLabel = "H,T,D", defaultValue = DEFAULT_SHAPE,
            description = "Synthetic layer shape (KV heads, tokens, head dim) when no --trace (default ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--policy", paramLabel = "NAME", defaultValue = "lookm", description = "Policy (default ${DEFAULT-VALUE}).")
    String policy;

    @Mixin BudgetOptions budget;
    @Mixin ScoreOptions scores;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed rounds per backend (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repetitions", defaultValue = "5", description = "Timed rounds per backend (default ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the synthetic layer (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--reference-only", description = "Bench only the reference (skip OpenCL devices).")
    boolean referenceOnly;

    @Option(names = "--skip-reference-timing", description = "Run the reference once, to validate the others against it, but do not time it"
            + " (for back-to-back runs against other baselines; no OpenCL/reference ratio then).")
    boolean skipReferenceTiming;

    @Mixin OutputOptions output;

    @Override public Integer call() {
        PolicySpec p = scores.apply(PolicyArgs.one(policy));
        Budget b = budget.budget();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        warnIneffective(err);
        List<Path> inputs = trace == null ? List.of() : List.of(trace);
        output.check(NAME, inputs);
        RunInfo info = RunInfo.of(NAME).withPolicy(p.name(), p.parameters()).withBudget(b.toString())
                .withProvenance(Runs.provenance(spec, inputs));
        KvBlock block;
        Observation observation;
        if (trace != null) {
            try (TraceReader reader = Runs.openTrace(trace)) {
                TraceLayer l = reader.layer(layer);
                block = l.block();
                observation = l.observation();
                info = Runs.withTrace(info, reader);
            }
        } else {
            int[] hTd = parseShape(shape);
            SyntheticLayer s = SyntheticLayer.make(hTd[0], hTd[1], hTd[2], seed);
            block = s.block();
            observation = s.observation();
            info = info.withSeed(seed).withTrace(null, "synthetic " + shape, "synthetic");
        }
        Runs.requireKeepsTokens(b, block.tokens(), budget.describe(), trace != null ? trace : Path.of("--shape " + shape));
        List<String> unavailable = new ArrayList<>();
        if (referenceOnly && skipReferenceTiming) throw new IllegalArgumentException("--reference-only and --skip-reference-timing exclude each other");
        List<BenchTarget> targets = referenceOnly ? List.of(new BenchTarget(ReferenceBackend.NAME, null)) : BenchTarget.all(unavailable);
        if (skipReferenceTiming) targets = targets.stream().filter(t -> !t.isReference()).toList();
        for (String u : unavailable) err.println("lookm bench: OpenCL unavailable, benching the reference only: " + u);
        out.printf("bench %s, %s, layer (H=%d, T=%d, D=%d), %d warmup + %d timed rounds%n", p.name(), b, block.heads(), block.tokens(),
                block.headDim(), warmup, repetitions);

        Compressor.Stages reference;
        try (Backend ref = new ReferenceBackend()) {
            reference = ref.compressor(p).run(block, observation, b);
        }
        Budget.Resolved asked = b.resolve(block.tokens());
        long requested = (long) block.heads() * (asked.coversCache() ? block.tokens() : asked.total()), effective = reference.layer().keptEntries();
        Map<String, Object> budgets = new LinkedHashMap<>();
        budgets.put("requestedTokens", requested);
        budgets.put("effectiveTokens", effective);
        budgets.put("fullTokens", (long) block.heads() * block.tokens());
        out.printf("  budget: requested %d of %d (head, position) entries, effective (kept by the reference) %d (%s of the layer's K/V)%n",
                requested, (long) block.heads() * block.tokens(), effective, TextTable.pct(effective / ((double) block.heads() * block.tokens())));
        List<Map<String, Object>> rows = new ArrayList<>();
        StageTimes referenceTimes = null;
        for (BenchTarget target : targets) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("backend", target.label());
            try (Backend be = target.open()) {
                row.put("device", be.device());
                Backend.Support support = be.supports(p);
                if (!support.supported()) {                    // a visible skip, never an error mid-run
                    row.put("valid", false);
                    row.put("skipped", support.reason());
                    out.printf("  %-22s SKIPPED: %s%n", target.label(), support.reason());
                    rows.add(row);
                    continue;
                }
                Compressor c = be.compressor(p);
                Agreement v = target.isReference() ? Agreement.isReference()
                        : Validation.compare(c, block, reference, c.run(block, observation, b));
                row.put("valid", v.agrees());
                row.put("validation", v.detail());
                row.put("agreement", v.basis());
                row.put("maxAbsDiffVsReference", v.maxAbsDiff());
                out.printf("  %-22s %s: %s%n", target.label(), v.agrees() ? "valid" : "INVALID, not timed", v.detail());
                if (v.agrees()) {
                    boolean yardstick = be instanceof OpenClBackend && OpenClBackend.NAME.equals(be.name()) && recomputesFromAllQueries(p, observation);
                    double before = yardstick ? causalMatmulSeconds((OpenClBackend) be, observation, block) : Double.NaN;
                    StageTimes t = StageTimes.measure(c, block, observation, b, warmup, repetitions);
                    if (target.isReference()) referenceTimes = t;
                    row.put("times", t);
                    if (yardstick) {                                    // A-B-A: the yardstick before and after, the faster counts
                        double matmul = Math.min(before, causalMatmulSeconds((OpenClBackend) be, observation, block));
                        double ratio = t.score().medianMs() / 1e3 / matmul;
                        row.put("scoreVsCausalMatmul", Map.of("matmulSeconds", matmul, "matmulSecondsBefore", before,
                                "gflop", MatmulBaseline.causalFlop(observation.prefill().orElseThrow().queryHeads(), block.tokens(), block.headDim()) / 1e9,
                                "scoreMedianSeconds", t.score().medianMs() / 1e3, "ratio", ratio));
                        out.printf(java.util.Locale.ROOT, "  %-22s score stage %.3f s (median) = %.2f x the causal float32 Q·Kᵀ on the same device"
                                + " (%.3f s, %.1f GFLOP/s; target <= %.1f)%n", target.label(), t.score().medianMs() / 1e3, ratio, matmul,
                                MatmulBaseline.causalFlop(observation.prefill().orElseThrow().queryHeads(), block.tokens(), block.headDim()) / 1e9 / matmul,
                                SCORE_VS_MATMUL_TARGET);
                    }
                }
            } catch (RuntimeException e) {
                if (target.isReference()) throw e;             // the reference must run
                row.put("valid", false);
                row.put("validation", "could not run: " + e.getMessage());
                out.printf("  %-22s could not run: %s%n", target.label(), e.getMessage());
            }
            rows.add(row);
        }
        try (OutputDirectory dir = output.open(NAME, inputs)) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("run", info.toMap());
            root.put("shape", Map.of("heads", block.heads(), "tokens", block.tokens(), "headDim", block.headDim()));
            root.put("warmup", warmup);
            root.put("repetitions", repetitions);
            root.put("budget", budgets);
            root.put("openclUnavailable", unavailable.isEmpty() ? null : unavailable.get(0));
            Csv csv = info.annotate(new Csv(List.of("backend", "device", "valid", "stage", "median_ms", "min_ms", "speedup_vs_reference")));
            TextTable table = new TextTable("backend", "score ms", "select ms", "merge ms", "total ms", "speedup (total)");
            List<Object> results = new ArrayList<>();
            Map<String, List<Double>> chart = new LinkedHashMap<>();
            List<String> shares = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                StageTimes t = (StageTimes) row.remove("times");
                if (t != null) {
                    StageTimes.Stat[] stats = {t.score(), t.select(), t.merge(), t.total()};
                    StageTimes.Stat[] refStats = referenceTimes == null ? null
                            : new StageTimes.Stat[] {referenceTimes.score(), referenceTimes.select(), referenceTimes.merge(), referenceTimes.total()};
                    Map<String, Object> times = new LinkedHashMap<>();
                    List<Double> bars = new ArrayList<>();
                    for (int s = 0; s < STAGES.length; s++) {
                        double ratio = refStats == null ? Double.NaN : refStats[s].medianMs() / stats[s].medianMs();
                        times.put(STAGES[s], Map.of("medianMs", stats[s].medianMs(), "minMs", stats[s].minMs(), "speedupVsReference", ratio));
                        csv.row(row.get("backend"), row.get("device"), true, STAGES[s], stats[s].medianMs(), stats[s].minMs(), ratio);
                        bars.add(stats[s].medianMs());
                    }
                    row.put("times", times);
                    chart.put((String) row.get("backend"), bars);
                    double stages = stats[0].medianMs() + stats[1].medianMs() + stats[2].medianMs();
                    shares.add(String.format(java.util.Locale.ROOT, "  %-22s share of the stages: score %.1f %%, select %.1f %%, merge + gather %.1f %%%s",
                            row.get("backend"), 100 * stats[0].medianMs() / stages, 100 * stats[1].medianMs() / stages, 100 * stats[2].medianMs() / stages,
                            refStats == null ? "" : String.format(java.util.Locale.ROOT, "; vs the reference: score %.1fx, whole compression %.1fx",
                                    refStats[0].medianMs() / stats[0].medianMs(), refStats[3].medianMs() / stats[3].medianMs())));
                    table.row(row.get("backend"), TextTable.num(stats[0].medianMs(), 2), TextTable.num(stats[1].medianMs(), 2),
                            TextTable.num(stats[2].medianMs(), 2), TextTable.num(stats[3].medianMs(), 2),
                            refStats == null ? "-" : TextTable.num(refStats[3].medianMs() / stats[3].medianMs(), 2) + "x");
                } else {
                    csv.row(row.get("backend"), row.get("device"), false, "", "", "", "");
                    table.row(row.get("backend"), "-", "-", "-", "-", row.containsKey("skipped") ? "skipped" : "not timed");
                }
                results.add(row);
            }
            root.put("results", results);
            dir.writeString("bench.json", Json.write(root));
            dir.writeString("bench.csv", csv.toString());
            try {
                dir.writeBytes("bench.png", Plots.bars("lookm bench: " + p.name() + ", H=" + block.heads() + " T=" + block.tokens() + " D="
                        + block.headDim() + " (median ms)", "stage", "milliseconds", List.of(STAGES), chart));
            } catch (Plots.PlotException e) {
                err.println("lookm bench: plot skipped: " + e.getMessage());
            }
            Path written = dir.commit();
            out.println("median times (ms) and speedup of the whole compression vs the reference:");
            out.print(table);
            shares.forEach(out::println);
            out.println("wrote " + written);
        }
        return LookmCli.EXIT_OK;
    }

    /** Warns about options that were given but do not apply to this run. */
    private void warnIneffective(PrintWriter err) {
        budget.warnIneffective(NAME, spec, err);
        if (trace != null && Runs.given(spec, "--shape")) Runs.warn(NAME, "--shape has no effect with --trace (the trace's layer is benched)", err);
        if (trace != null && Runs.given(spec, "--seed")) Runs.warn(NAME, "--seed has no effect with --trace (it seeds the synthetic layer)", err);
        if (trace == null && Runs.given(spec, "--layer")) Runs.warn(NAME, "--layer has no effect without --trace", err);
    }

    /** True when the policy's score stage is the causal column sums of all T prefill queries (a Q·Kᵀ over the whole cache). */
    static boolean recomputesFromAllQueries(PolicySpec p, Observation observation) {
        return p.score() instanceof ScoreSpec.AccumulatedAttention a && a.source() == ScoreSource.RECOMPUTED
                && observation.prefill().isPresent();
    }

    /** The causal Q·Kᵀ of every query head on the backend's device, best of {@link #MATMUL_REPEATS}, in seconds. */
    static double causalMatmulSeconds(OpenClBackend backend, Observation observation, KvBlock block) {
        return MatmulBaseline.causalSeconds(backend.context(), observation.prefill().orElseThrow().queryHeads(), block.tokens(), block.headDim(), MATMUL_REPEATS);
    }

    /** "H,T,D" → {H, T, D}. */
    static int[] parseShape(String text) {
        String[] parts = text.split(",");
        if (parts.length != 3) throw new IllegalArgumentException("--shape must be H,T,D (e.g. " + DEFAULT_SHAPE + "), was '" + text + "'");
        int[] out = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--shape must be three integers H,T,D, was '" + text + "'");
            }
        }
        return out;
    }
}
