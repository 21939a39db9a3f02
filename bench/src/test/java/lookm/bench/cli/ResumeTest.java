package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import lookm.bench.replay.CellStore;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs that survive (issue 10, item 5): a sweep killed with SIGKILL mid-way (a real subprocess) keeps its finished
 * cells in the marked DIR.partial and nothing else; --resume continues it and gives the same tables as an
 * uninterrupted run; a failing cell names policy, budget and layer and keeps what finished.
 */
class ResumeTest {
    /** Enough cells (jobs x 4 layers) that the kill lands mid-way; each cell is one small compression of the sample. */
    static final String POLICIES = "h2o,lookm,random,tp-average", BUDGETS = "0.1,0.4";
    static final int CELLS = 4 * 2 * 4;
    /** Cells to wait for before the kill. */
    static final int KILL_AFTER = 6;
    static final long STEP_MILLIS = 2, TIMEOUT_SECONDS = 120;
    /** Layers of the synthetic trace the replay is killed on (one cell each). */
    static final int REPLAY_LAYERS = 16;

    @TempDir Path dir;

    private String[] sweep(Path trace, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("sweep", "--trace", trace.toString(), "--policies", POLICIES, "--budgets", BUDGETS,
                "--out", out.toString(), "--quiet"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void aKilledSweepResumesToTheUninterruptedResult() throws Exception {
        Path trace = SampleTrace.extractTo(dir.resolve("sample"));
        Path full = dir.resolve("full"), killed = dir.resolve("killed"), partial = dir.resolve("killed.partial");
        LookmCliTest.Run reference = LookmCliTest.lookm(sweep(trace, full));
        assertEquals(0, reference.code(), reference.err());

        Process p = LookmProcess.start(List.of(), sweep(trace, killed));
        long kept = waitForCells(partial, p, KILL_AFTER);
        p.destroyForcibly();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), "the sweep was killed, it did not finish");
        long left = cells(partial);
        assertTrue(left >= kept && left < CELLS, "killed mid-way with " + left + " of " + CELLS + " cells");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("full", "killed.partial", "sample"), s.map(x -> x.getFileName().toString()).sorted().toList(),
                    "only the marked partial output is left behind");
        }
        assertEquals("partial", lookm.traces.write.OutputGuard.markerState(partial));

        LookmCliTest.Run again = LookmCliTest.lookm(sweep(trace, killed));
        assertEquals(2, again.code(), "a partial run is not silently restarted");
        assertTrue(again.err().contains("--resume"), again.err());
        LookmCliTest.Run other = LookmCliTest.lookm("sweep", "--trace", trace.toString(), "--policies", POLICIES, "--budgets", "0.2",
                "--out", killed.toString(), "--quiet", "--resume");
        assertEquals(2, other.code(), "resuming with other options is refused");
        assertTrue(other.err().contains("--budgets"), other.err());

        LookmCliTest.Run resumed = LookmCliTest.lookm(sweep(trace, killed, "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertFalse(Files.exists(partial));
        assertFalse(Files.exists(killed.resolve(CellStore.DIRECTORY)), "the cells are folded into the tables");
        assertEquals(results(full.resolve("sweep.csv")), results(killed.resolve("sweep.csv")), "resumed = uninterrupted");
        assertEquals(tables(reference.out()), tables(resumed.out()));
    }

    @Test
    void aFailingCellNamesPolicyBudgetAndLayerAndKeepsWhatFinished() throws IOException {
        Path trace = SampleTrace.extractTo(dir.resolve("sample"));
        Path out = dir.resolve("s");
        LookmCliTest.Run r = LookmCliTest.lookm("sweep", "--trace", trace.toString(), "--policies", "h2o,snapkv", "--budgets", "0.05,0.4",
                "--out", out.toString(), "--quiet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("policy snapkv at budget 0.4"), r.err());
        assertTrue(r.err().contains("layer 0"), r.err());
        assertTrue(r.err().contains("--resume"), r.err());
        assertTrue(cells(dir.resolve("s.partial")) >= 2, "the h2o cells of layer 0 are kept");
        assertFalse(Files.exists(out));
    }

    @Test
    void aKilledReplayResumesToTheUninterruptedResult() throws Exception {
        Path trace = dir.resolve("deep");
        assertEquals(0, LookmCliTest.lookm("trace", "synth", "--out", trace.toString(), "--layers", String.valueOf(REPLAY_LAYERS),
                "--tokens", "320", "--tokens-per-image", "144", "--quiet").code());
        String[] args = {"replay", "--trace", trace.toString(), "--policy", "lookm", "--budget", "0.2", "--quiet"};
        Path full = dir.resolve("full"), killed = dir.resolve("killed"), partial = dir.resolve("killed.partial");
        assertEquals(0, LookmCliTest.lookm(with(args, "--out", full.toString())).code());
        Process p = LookmProcess.start(List.of(), with(args, "--out", killed.toString()));
        waitForCells(partial, p, 2);
        p.destroyForcibly();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        long left = cells(partial);
        assertTrue(left > 0 && left < REPLAY_LAYERS, "killed mid-way with " + left + " of " + REPLAY_LAYERS + " layers");
        LookmCliTest.Run resumed = LookmCliTest.lookm(with(args, "--out", killed.toString(), "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        for (String csv : new String[] {"layers.csv", "head_groups.csv"})
            assertEquals(rows(full.resolve(csv)), rows(killed.resolve(csv)), csv + ": resumed = uninterrupted");
    }

    private static String[] with(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** Waits until at least {@code enough} cells are committed; returns how many there were. */
    private static long waitForCells(Path partial, Process p, int enough) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            long n = cells(partial);
            if (n >= enough) return n;
            assertTrue(p.isAlive(), "the sweep ended before it could be killed (exit " + (p.isAlive() ? "" : p.exitValue()) + ")");
            Thread.sleep(STEP_MILLIS);
        }
        throw new AssertionError("no cells appeared in " + partial);
    }

    private static long cells(Path partial) {
        Path root = partial.resolve(CellStore.DIRECTORY);
        if (!Files.isDirectory(root)) return 0;
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".txt")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;                                   // a cell was being renamed while we listed: count again
        }
    }

    /** sweep.csv without comments and without the timing column (compress_seconds, found by its header name). */
    private static String results(Path csv) throws IOException {
        List<String> rows = rows(csv);
        int timing = List.of(rows.get(0).split(",", -1)).indexOf("compress_seconds");
        assertTrue(timing >= 0, "sweep.csv has a compress_seconds column: " + rows.get(0));
        return rows.stream().map(l -> {
            List<String> cells = new java.util.ArrayList<>(List.of(l.split(",", -1)));
            cells.remove(timing);
            return String.join(",", cells);
        }).collect(Collectors.joining("\n"));
    }

    /** A CSV's rows without the comment lines. */
    private static List<String> rows(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().filter(l -> !l.startsWith("#")).toList();
    }

    /** The printed tables (everything but the "wrote" line). */
    private static String tables(String out) {
        return out.lines().filter(l -> !l.startsWith("wrote ")).collect(Collectors.joining("\n"));
    }
}
