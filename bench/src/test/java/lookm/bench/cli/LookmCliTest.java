package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes, messages and report contents of the lookm command, run in-process on the bundled sample trace. */
class LookmCliTest {
    @TempDir static Path shared;
    static Path sample;
    @TempDir Path tmp;

    /** Output of one run. */
    record Run(int code, String out, String err) {}

    @BeforeAll
    static void extractSample() { sample = SampleTrace.extractTo(shared.resolve("sample")); }

    static Run lookm(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LookmCli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void policiesListsEveryRegisteredPolicy() {
        Run r = lookm("policies");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("lookm-budgeted"), r.out());
        assertTrue(r.out().contains("= score=attention(source=recorded,precision=float32) select=textprior(mode=budgeted,ties=position) merge=pivot"), r.out());
        assertTrue(r.out().contains("kernel: odd integer in [1, 2147483647], default 5"), "parameter ranges: " + r.out());
    }

    @Test
    void aBadPolicyExpressionExitsTwoNamingTheParameterItsValueAndWhatIsAllowed() {
        Run r = lookm("replay", "--trace", sample.toString(), "--policy", "snapkv(window=64, kernel=4)", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("kernel=4") && r.err().contains("odd integer in [1, 2147483647]"), r.err());
        assertFalse(Files.exists(tmp.resolve("o")), "nothing written for a bad expression");
    }

    @Test
    void aPoliciesFileNamesExpressionsForASweepAndABadEntryIsNamed() throws IOException {
        Path file = tmp.resolve("policies.json");
        Files.writeString(file, "{\"policies\": [\"lookm\", {\"name\": \"snap-avg\", \"expression\": \"snapkv-32(pool=avg)\"}, \"h2o(sinks=4) + pivot\"]}");
        Run r = lookm("sweep", "--trace", sample.toString(), "--policies", file.toString(), "--budgets", "0.2", "--out", tmp.resolve("s").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("snap-avg") && r.out().contains("h2o-pivot"), "named entries, and stages equal to a registered policy take its name: " + r.out());
        assertTrue(Files.readString(tmp.resolve("s/sweep.json")).contains("score=window(window=32,pool=avg,kernel=7) select=topk(sinks=0,window=32,ties=position) merge=drop"));
        Files.writeString(file, "[\"lookm\", {\"expression\": \"h2o(sinks=x)\"}]");
        Run bad = lookm("sweep", "--trace", sample.toString(), "--policies", file.toString(), "--out", tmp.resolve("t").toString(), "--quiet");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("entry 1") && bad.err().contains("sinks=x"), bad.err());
    }

    @Test
    void anUnknownPolicyExitsTwoNamingIt() {
        Run r = lookm("replay", "--trace", sample.toString(), "--policy", "nope", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown name 'nope'"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace for a user mistake: " + r.err());
    }

    @Test
    void aMissingTraceExitsTwoNamingThePath() {
        Path missing = tmp.resolve("no-such-trace");
        Run r = lookm("replay", "--trace", missing.toString(), "--policy", "lookm", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertFalse(Files.exists(tmp.resolve("o")), "nothing is written for a failed run");
    }

    @Test
    void badOptionsExitTwo() {
        assertEquals(2, lookm("replay", "--no-such-option").code());
        assertEquals(2, lookm().code());
        assertEquals(2, lookm("replay", "--trace", sample.toString(), "--policy", "lookm", "--budget", "0.2", "--hh-ratio", "0.1",
                "--out", tmp.resolve("o").toString()).code());
        Run shape = lookm("bench", "--shape", "8,x,128", "--out", tmp.resolve("b").toString());
        assertEquals(2, shape.code());
        assertTrue(shape.err().contains("--shape"), shape.err());
    }

    @Test
    void theTieOrderAndScorePrecisionAreOptionsRecordedInTheReport() throws IOException {
        optionIsRecordedOrRefused("--ties", "torch-cpu", "ties=torch_cpu", "random", "torch-cpu");
        optionIsRecordedOrRefused("--precision", "bf16", "precision=bf16", "fp8", "bf16");
    }

    /** {@code option good} runs and replay.json records {@code recorded}; {@code option bad} exits 2 naming the option and a valid value. */
    private void optionIsRecordedOrRefused(String option, String good, String recorded, String bad, String named) throws IOException {
        Path out = tmp.resolve(option.substring(2));
        Run r = lookm("replay", "--trace", sample.toString(), "--policy", "lookm", option, good, "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(out.resolve("replay.json")).toLowerCase(java.util.Locale.ROOT).contains(recorded), "replay.json records " + recorded);
        Run refused = lookm("replay", "--trace", sample.toString(), "--policy", "lookm", option, bad, "--out", tmp.resolve(option.substring(2) + "-bad").toString());
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains(option) && refused.err().contains(named), refused.err());
    }

    @Test
    void anExistingOutputDirectoryIsRefusedUnlessOverwriteAndLookmWroteIt() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        String[] args = {"replay", "--trace", sample.toString(), "--policy", "h2o", "--out", out.toString(), "--quiet"};
        Run refused = lookm(args);
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("--overwrite"), refused.err());
        Run stranger = lookm(append(args, "--overwrite"));
        assertEquals(2, stranger.code(), "a directory lookm did not write is never replaced");
        assertTrue(stranger.err().contains("was not written by lookm"), stranger.err());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        Path ours = tmp.resolve("ours");
        assertEquals(0, lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--out", ours.toString(), "--quiet").code());
        assertEquals(2, lookm("replay", "--trace", sample.toString(), "--policy", "lookm", "--out", ours.toString(), "--quiet").code());
        Run replaced = lookm("replay", "--trace", sample.toString(), "--policy", "lookm", "--out", ours.toString(), "--quiet", "--overwrite");
        assertEquals(0, replaced.code(), replaced.err());
        assertTrue(Files.readString(ours.resolve("replay.json")).contains("\"policy\": \"lookm\""));
    }

    @Test
    void replayReportsRecordWhatRan() throws IOException {
        Path out = tmp.resolve("replay");
        Run r = lookm("replay", "--trace", sample.toString(), "--policy", "lookm", "--hh-ratio", "0.1", "--recent-ratio", "0.1",
                "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("overall"), r.out());
        String json = Files.readString(out.resolve("replay.json"));
        for (String field : new String[] {"\"policy\": \"lookm\"", "\"policyParameters\": \"score=", "\"backend\": \"reference\"",
                "\"device\": \"JVM", "\"traceId\": \"sample", "\"model\": \"synthetic-llava-1.5-like\"", "\"budget\": \"ratios(heavy=0.1, recent=0.1)\"",
                "\"lookmVersion\"", "\"timestamp\"", "\"perLayer\"", "\"perHeadGroup\"", "\"peakLiveHeapBytes\"", "\"textRetention\""})
            assertTrue(json.contains(field), field + " missing from replay.json");
        String csv = Files.readString(out.resolve("layers.csv"));
        assertTrue(csv.startsWith("# command: replay\n# policy: lookm\n"), csv);
        assertTrue(csv.contains("layer,kv_head,relative_error,cosine,recall,topk_overlap"), csv);
        assertEquals(4 * (1 + 4), csv.lines().filter(l -> !l.startsWith("#")).count() - 1, "4 layers x (layer row + 4 KV heads)");
        assertTrue(Files.exists(out.resolve("head_groups.csv")));
    }

    @Test
    void theFullPolicyIsPerfectOnTheSample() throws IOException {
        Path out = tmp.resolve("full");
        assertEquals(0, lookm("replay", "--trace", sample.toString(), "--policy", "full", "--out", out.toString(), "--quiet").code());
        String json = Files.readString(out.resolve("replay.json"));
        assertTrue(json.contains("\"relativeError\": 0,"), "full cache: error 0");
        assertTrue(json.contains("\"recall\": 1,"), "full cache: recall 1");
    }

    @Test
    void replayWithReadAheadAndThreadsGivesTheSameLayersAndReportsThroughput() throws IOException {
        String[] base = {"replay", "--trace", sample.toString(), "--policy", "lookm", "--quiet"};
        Path sequential = tmp.resolve("seq"), pipelined = tmp.resolve("pipe");
        assertEquals(0, lookm(append(append(append(append(base, "--prefetch"), "0"), "--out"), sequential.toString())).code());
        Run r = lookm(append(append(append(append(append(append(base, "--prefetch"), "2"), "--threads"), "3"), "--out"), pipelined.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("throughput: 4 layers in "), r.out());
        String a = Files.readString(sequential.resolve("layers.csv")), b = Files.readString(pipelined.resolve("layers.csv"));
        assertEquals(a.lines().filter(l -> !l.startsWith("#")).toList(), b.lines().filter(l -> !l.startsWith("#")).toList(),
                "per-layer fidelity does not depend on read-ahead or threads");
        String json = Files.readString(pipelined.resolve("replay.json"));
        for (String field : new String[] {"\"layersPerSecond\"", "\"megabytesPerSecondRead\"", "\"waitForReadSeconds\"", "\"threads\": 3",
                "\"prefetch\": 2", "\"boundBy\""})
            assertTrue(json.contains(field), field + " missing from replay.json");
    }

    @Test
    void replayThreadsNeedTheReference() {
        Run r = lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--backend", "opencl", "--threads", "2",
                "--out", tmp.resolve("t").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--threads 2 needs --backend reference"), r.err());
        assertEquals(2, lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--prefetch", "-1", "--out", tmp.resolve("p").toString()).code());
    }

    @Test
    void demoWritesTablesAndPlots() {
        Path out = tmp.resolve("demo");
        Run r = lookm("demo", "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"sweep.json", "sweep.csv", "plot-relative-error.png", "plot-recall.png", "plot-topk.png", "plot-retention.png"})
            assertTrue(Files.exists(out.resolve(f)), f + " missing; stderr: " + r.err());
        assertTrue(r.out().contains("attention-mass recall"), r.out());
    }

    @Test
    void demoShowsEffectiveBudgetsBesideTheNominalOnes() throws IOException {
        Path out = tmp.resolve("demo-budgets");
        Run r = lookm("demo", "--out", out.toString(), "--quiet", "--policies", "lookm,lookm-budgeted", "--budgets", "0.05");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("effective budget"), r.out());
        assertTrue(r.out().contains("merged mass"), r.out());
        String csv = Files.readString(out.resolve("sweep.csv"));
        assertTrue(csv.contains("requested_budget,effective_budget"), csv);
        // the released text prior keeps every text token: at a nominal 5 % it keeps a third of the sample (288 of 864 tokens are text)
        String lookm = csv.lines().filter(l -> l.startsWith("lookm,")).findFirst().orElseThrow();
        String budgeted = csv.lines().filter(l -> l.startsWith("lookm-budgeted,")).findFirst().orElseThrow();
        double[] effective = {column(csv, lookm, "effective_budget"), column(csv, budgeted, "effective_budget")};
        assertTrue(effective[0] > 0.3 && effective[0] < 0.35, "lookm at 5 %: effective " + effective[0]);
        assertTrue(effective[1] <= 0.05, "lookm-budgeted at 5 %: effective " + effective[1]);
        assertTrue(column(csv, lookm, "merged_mass") > 0, "pivot merges carry merged mass");
        assertTrue(column(csv, lookm, "recall") < 1, "recall counts kept tokens only: a merge is no longer 1 by construction");
    }

    @Test
    void replayUnderAdaKvReportsRaggedEffectiveCountsPerHead() throws IOException {
        Path out = tmp.resolve("adakv");
        String json = replayJson(out, "--policy", "h2o", "--budget", "0.2", "--allocate", "adakv(alpha=0.2)");
        assertTrue(json.contains("\"allocation\": \"adakv(alpha=0.2)\""), "allocation recorded");
        assertTrue(json.contains("allocate=adakv(alpha=0.2)"), "policy parameters name the allocation");
        assertTrue(json.contains("\"effectiveTokensPerLayer\": ["), "effective tokens per layer");
        assertTrue(Files.readString(out.resolve("head_groups.csv")).contains("requested_tokens,effective_tokens,effective_bytes"));
        String csv = Files.readString(out.resolve("layers.csv"));
        java.util.List<String> rows = csv.lines().filter(l -> !l.startsWith("#") && l.startsWith("0,") && !l.startsWith("0,all")).toList();
        java.util.Set<Double> counts = new java.util.TreeSet<>();
        double requested = 0, sum = 0;
        for (String row : rows) {
            counts.add(column(csv, row, "effective_tokens"));
            sum += column(csv, row, "effective_tokens");
            requested += column(csv, row, "requested_tokens");
        }
        assertEquals(requested, sum, "AdaKV keeps exactly H·C in the layer");
        assertTrue(counts.size() > 1, "per-head counts are ragged: " + counts);
    }

    @Test
    void aBadAllocationExitsTwoNamingTheOption() {
        Run r = lookm("replay", "--trace", sample.toString(), "--policy", "lookm", "--allocate", "adakv", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--allocate") && r.err().contains("policy lookm"), r.err());
        Run unknown = lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--allocate", "snap(x=1)", "--out", tmp.resolve("o").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown allocation 'snap'"), unknown.err());
    }

    /** Runs {@code lookm replay} on the sample into {@code out} with {@code args}; checks exit 0 and returns replay.json. */
    private static String replayJson(Path out, String... args) throws IOException {
        String[] all = {"replay", "--trace", sample.toString(), "--out", out.toString(), "--quiet"};
        for (String a : args) all = append(all, a);
        Run r = lookm(all);
        assertEquals(0, r.code(), r.err());
        return Files.readString(out.resolve("replay.json"));
    }

    /** The value of {@code name} in a data row of an annotated CSV (header = first line not starting with '#'). */
    private static double column(String csv, String row, String name) {
        String header = csv.lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
        int at = java.util.Arrays.asList(header.split(",")).indexOf(name);
        assertTrue(at >= 0, name + " not in " + header);
        return Double.parseDouble(row.split(",")[at]);
    }

    @Test
    void aWindowLargerThanTheStoredQueriesIsABadInput() {
        Run r = lookm("sweep", "--trace", sample.toString(), "--policies", "snapkv", "--budgets", "0.4", "--out", tmp.resolve("s").toString(), "--quiet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("prefill queries"), r.err());
    }

    @Test
    void benchValidatesAndTimesTheReference() throws IOException {
        Path out = tmp.resolve("bench");
        Run r = lookm("bench", "--shape", "2,256,64", "--warmup", "0", "--repetitions", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String json = Files.readString(out.resolve("bench.json"));
        assertTrue(json.contains("\"backend\": \"reference\""), json);
        assertTrue(json.contains("\"speedupVsReference\""), json);
        assertTrue(Files.exists(out.resolve("bench.csv")));
    }

    /**
     * A trace recorded from a Hugging Face LLaVA (tiny, random weights) by traces/python/record_trace.py and written by
     * pyarrow, with all prefill queries: it replays, and scores recomputed from its queries and keys select exactly what
     * the model's own recorded attention selects (policies driven by accumulated attention, several budgets).
     */
    @Test
    void aRecordedModelTraceReplaysAndRecomputedScoresSelectAsTheModelsAttention() throws IOException {
        Path recorded = Path.of("..", "traces", "src", "test", "resources", "lookm", "traces", "fixtures", "pyarrow-tiny-llava");
        assertTrue(Files.isDirectory(recorded), "the pyarrow fixture is part of the checkout: " + recorded.toAbsolutePath());
        for (String policy : new String[] {"h2o", "h2o-pivot", "lookm-budgeted"})
            for (String budget : new String[] {"0.2", "0.3", "0.5"}) {
                String[] rows = new String[2];
                for (int i = 0; i < 2; i++) {
                    String scores = i == 0 ? "recorded" : "recomputed";
                    Path out = tmp.resolve(policy + "-" + budget + "-" + scores);
                    Run r = lookm("replay", "--trace", recorded.toString(), "--policy", policy, "--budget", budget, "--scores", scores,
                            "--out", out.toString(), "--quiet");
                    assertEquals(0, r.code(), r.err());
                    rows[i] = Files.readString(out.resolve("layers.csv")).lines().filter(l -> !l.startsWith("#"))
                            .collect(java.util.stream.Collectors.joining("\n"));
                }
                assertEquals(rows[0], rows[1], policy + " at budget " + budget + ": recorded vs recomputed scores");
            }
    }

    /** Every VLM layout preset: a v2 trace that validates, inspects with its layout, replays and sweeps. */
    @Test
    void synthLayoutPresetsReplayAndSweep() throws IOException {
        for (String layout : lookm.traces.synth.SynthLayout.NAMES) {
            Path trace = tmp.resolve("synth-" + layout);
            Run w = lookm("trace", "synth", "--layout", layout, "--tokens", "900", "--layers", "1", "--head-dim", "32",
                    "--out", trace.toString(), "--quiet");
            assertEquals(0, w.code(), w.err());
            Run v = lookm("trace", "validate", trace.toString());
            assertTrue(v.out().contains("valid LOOK-M trace v2"), v.out());
            Run i = lookm("trace", "inspect", trace.toString());
            assertTrue(i.out().contains("synth-" + layout) && i.out().contains("v2 layout"), i.out());
            Run r = lookm("sweep", "--trace", trace.toString(), "--policies", "lookm,h2o,tp-average", "--budgets", "0.1,0.4",
                    "--out", tmp.resolve("sweep-" + layout).toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            assertTrue(Files.exists(tmp.resolve("sweep-" + layout).resolve("sweep.csv")));
        }
    }

    @Test
    void anUnknownSynthLayoutOrTooFewTokensExitTwo() {
        Run r = lookm("trace", "synth", "--layout", "llava-next-video", "--out", tmp.resolve("x").toString(), "--quiet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--layout must be one of qwen2-vl, anyres, video, was 'llava-next-video'"), r.err());
        Run small = lookm("trace", "synth", "--layout", "qwen2-vl", "--tokens", "100", "--out", tmp.resolve("y").toString(), "--quiet");
        assertEquals(2, small.code(), small.err());
        assertTrue(small.err().contains("--tokens 100 is too small for --layout qwen2-vl"), small.err());
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")));
    }

    @Test
    void internalErrorsExitOneWithoutAStackTraceUnlessVerbose() {
        StringWriter err = new StringWriter();
        CommandLine cli = LookmCli.commandLine().addSubcommand("boom", new Boom());
        cli.setErr(new PrintWriter(err));
        assertEquals(1, cli.execute("boom"));
        assertTrue(err.toString().contains("internal error: IllegalStateException: kaput"), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
        StringWriter verbose = new StringWriter();
        CommandLine again = LookmCli.commandLine().addSubcommand("boom", new Boom());
        again.setErr(new PrintWriter(verbose));
        assertEquals(1, again.execute("--verbose", "boom"));
        assertTrue(verbose.toString().contains("\tat "), verbose.toString());
    }

    @CommandLine.Command(name = "boom")
    static final class Boom implements Runnable {
        @Override public void run() { throw new IllegalStateException("kaput"); }
    }

    private static String[] append(String[] a, String x) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = x;
        return out;
    }
}
