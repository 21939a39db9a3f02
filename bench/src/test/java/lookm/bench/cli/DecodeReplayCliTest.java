package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lookm.bench.report.JsonReader;
import lookm.properties.contract.OpenClDevice;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lookm replay --decode-every N --decode-cap C} (SPEC.md §9): streams a trace's generated tokens, writes decode.json
 * and decode_steps.csv with the cap invariant as observed, agrees between backends, and refuses what it cannot do with
 * exit 2 and a line naming the option, the policy or the trace.
 */
class DecodeReplayCliTest {
    static final int STEPS = 10, EVERY = 4, CAP = 40, LAYERS = 2, T = 96;
    @TempDir static Path shared;
    static Path trace, plain;
    @TempDir Path tmp;

    @BeforeAll
    static void synthesize() {
        trace = shared.resolve("decode");
        plain = SampleTrace.extractTo(shared.resolve("sample"));
        LookmCliTest.Run r = LookmCliTest.lookm("trace", "synth", "--out", trace.toString(), "--tokens", String.valueOf(T), "--tokens-per-image", "36",
                "--text-before", "12", "--layers", String.valueOf(LAYERS), "--heads", "4", "--kv-heads", "2", "--head-dim", "16", "--probes",
                String.valueOf(STEPS), "--decode", "--quiet");
        assertEquals(0, r.code(), r.err());
    }

    private LookmCliTest.Run replay(String out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("replay", "--trace", trace.toString(), "--quiet", "--out", tmp.resolve(out).toString()));
        args.addAll(List.of(extra));
        return LookmCliTest.lookm(args.toArray(String[]::new));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path dir) throws IOException {
        return (Map<String, Object>) JsonReader.parse(Files.readString(dir.resolve(DecodeReplayRun.JSON)), DecodeReplayRun.JSON);
    }

    @Test
    void streamsEveryGeneratedTokenAndReportsTheCapInvariantAsObserved() throws IOException {
        LookmCliTest.Run r = replay("h2o", "--policy", "h2o", "--decode-every", String.valueOf(EVERY), "--decode-cap", String.valueOf(CAP));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("at most " + (CAP + EVERY) + " rows at any step (bound C + N = " + (CAP + EVERY) + "), at most " + CAP
                + " right after a compression"), r.out());
        Map<String, Object> report = json(tmp.resolve("h2o"));
        Map<String, Object> invariant = (Map<String, Object>) report.get("invariant");
        assertEquals(Boolean.TRUE, invariant.get("holds"));
        assertEquals(CAP, ((Number) invariant.get("maxRowsAfterCompression")).intValue());
        assertEquals(STEPS, ((List<?>) report.get("perStep")).size());
        List<String> lines = rows(tmp.resolve("h2o"));
        assertEquals(String.join(",", DecodeReplayRun.STEP_COLUMNS), lines.get(0));
        assertEquals(1 + LAYERS * STEPS, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            int step = Integer.parseInt(cells[1]), rowsMax = Integer.parseInt(cells[4]), since = Integer.parseInt(cells[5]);
            assertEquals(T + step, Integer.parseInt(cells[2]));
            assertEquals(step % EVERY + 1, since, line);                          // compressions after tokens N, 2N, ...
            assertEquals(CAP + since, rowsMax, line);                              // the prompt compressed to C, then one row per token
            assertEquals(since == EVERY, Boolean.parseBoolean(cells[6]), line);
            double recall = Double.parseDouble(cells[9]);
            assertTrue(recall > 0 && recall < 1, line);                              // something evicted, something attended
        }
    }

    @Test
    void aCapCoveringEverythingIsTheFullCache() throws IOException {
        LookmCliTest.Run r = replay("covering", "--policy", "h2o", "--decode-every", "3", "--decode-cap", String.valueOf(T + STEPS));
        assertEquals(0, r.code(), r.err());
        Map<String, Object> overall = (Map<String, Object>) json(tmp.resolve("covering")).get("overall");
        assertEquals(0.0, ((Number) overall.get("relativeError")).doubleValue(), 1e-9);
        assertEquals(1.0, ((Number) overall.get("recall")).doubleValue(), 1e-9);
        assertEquals(1.0, ((Number) overall.get("cosine")).doubleValue(), 1e-9);
    }

    @Test
    void openClStreamsTheSameRowsAsTheReference() throws IOException {
        OpenClDevice.backendOrSkip();
        LookmCliTest.Run ref = replay("ref", "--policy", "lookm-budgeted", "--decode-every", "3", "--decode-cap", "30");
        LookmCliTest.Run cl = replay("cl", "--policy", "lookm-budgeted", "--decode-every", "3", "--decode-cap", "30", "--backend", "opencl",
                "--device", "cpu");
        assertEquals(0, ref.code(), ref.err());
        assertEquals(0, cl.code(), cl.err());
        List<String> a = rows(tmp.resolve("ref")), b = rows(tmp.resolve("cl"));
        assertEquals(a.size(), b.size());
        for (int i = 1; i < a.size(); i++) {                                        // row 0: the header
            String[] x = a.get(i).split(","), y = b.get(i).split(",");
            for (int c = 0; c < 7; c++) assertEquals(x[c], y[c], "row " + i + " column " + DecodeReplayRun.STEP_COLUMNS.get(c));
            for (int c = 7; c < x.length; c++)
                assertEquals(Double.parseDouble(x[c]), Double.parseDouble(y[c]), 1e-4, "row " + i + " column " + DecodeReplayRun.STEP_COLUMNS.get(c));
        }
    }

    private static List<String> rows(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(DecodeReplayRun.CSV)).stream().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void refusesWhatItCannotStreamWithExit2NamingWhy() {
        Object[][] cases = {
                {new String[] {"--policy", "lookm", "--decode-every", "4", "--decode-cap", "40"}, "released text prior"},
                {new String[] {"--policy", "full", "--decode-every", "4", "--decode-cap", "40"}, "keeps the whole cache"},
                {new String[] {"--policy", "oracle", "--decode-every", "4", "--decode-cap", "40"}, "reads the decode probes"},
                {new String[] {"--policy", "h2o", "--decode-every", "4"}, "needs both --decode-every N and --decode-cap C"},
                {new String[] {"--policy", "h2o", "--scores", "recomputed", "--decode-every", "4", "--decode-cap", "40"}, "use the recorded source"},
                {new String[] {"--policy", "h2o", "--decode-every", "0", "--decode-cap", "40"}, "--decode-every must be >= 1"},
                {new String[] {"--policy", "h2o", "--decode-every", "4", "--decode-cap", "40", "--decode-recent", "41"}, "--decode-recent must be in [0"},
                {new String[] {"--policy", "h2o", "--decode-every", "4", "--decode-cap", "40", "--resume"}, "--resume cannot be combined"},
                {new String[] {"--policy", "h2o", "--decode-every", "4", "--decode-cap", "40", "--allocate", "adakv"}, "uniform allocation only"},
                {new String[] {"--policy", "snapkv-32", "--decode-every", "4", "--decode-cap", "40"}, "window attention needs prefill queries"},
                {new String[] {"--policy", "h2o scope=image", "--decode-every", "4", "--decode-cap", "40"}, "supports scope=global only"},
        };
        for (Object[] c : cases) {
            String[] args = (String[]) c[0];
            LookmCliTest.Run r = replay("refused", args);
            assertEquals(LookmCli.EXIT_BAD_INPUT, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
            assertTrue(r.err().contains((String) c[1]), String.join(" ", args) + ": " + r.err());
            assertFalse(Files.exists(tmp.resolve("refused")), "nothing written");
        }
        LookmCliTest.Run r = LookmCliTest.lookm("replay", "--trace", plain.toString(), "--policy", "h2o", "--decode-every", "4", "--decode-cap", "40",
                "--quiet", "--out", tmp.resolve("plain").toString());
        assertEquals(LookmCli.EXIT_BAD_INPUT, r.code());
        assertTrue(r.err().contains(plain + ": the trace has no decode part") && r.err().contains("trace synth --probes N --decode"), r.err());
    }

    @Test
    void warnsThatTheOneShotBudgetHasNoEffect() {
        LookmCliTest.Run r = replay("warn", "--policy", "h2o", "--budget", "0.2", "--decode-every", "5", "--decode-cap", "40");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("--budget has no effect with --decode-every"), r.err());
    }
}
