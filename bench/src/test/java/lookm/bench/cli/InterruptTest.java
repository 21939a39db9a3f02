package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupts leave nothing behind (issue 10, item 5): a trace synth or a demo stopped with SIGTERM (what Ctrl-C and
 * {@code kill} send) removes its staging directory and the demo's extracted sample; after SIGKILL, which no process
 * can clean up after, the next run for the same target removes the dead run's staging directory.
 */
class InterruptTest {
    static final long TIMEOUT_SECONDS = 120, STEP_MILLIS = 2;
    /** Layers of the synthetic trace: enough that the run is still writing when it is stopped. */
    static final String LAYERS = "64";

    @TempDir Path dir;

    private String[] synth(Path out) {
        return new String[] {"trace", "synth", "--out", out.toString(), "--layers", LAYERS, "--quiet"};
    }

    @Test
    void anInterruptedSynthLeavesNoPartialTrace() throws Exception {
        Process p = LookmProcess.start(List.of(), synth(dir.resolve("t")));
        waitFor(dir, f -> f.startsWith(".t.tmp-"), p);
        p.destroy();                                                // SIGTERM
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(List.of(), entries(dir), "the shutdown hook removed the staging directory");
    }

    @Test
    void aKilledSynthsStagingIsRemovedByTheNextRun() throws Exception {
        Process p = LookmProcess.start(List.of(), synth(dir.resolve("t")));
        waitFor(dir, f -> f.startsWith(".t.tmp-"), p);
        p.destroyForcibly();                                        // SIGKILL: nothing runs
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, entries(dir).size(), "SIGKILL leaves the staging directory: " + entries(dir));
        LookmCliTest.Run next = LookmCliTest.lookm("trace", "synth", "--out", dir.resolve("t").toString(), "--quiet");
        assertEquals(0, next.code(), next.err());
        assertEquals(List.of("t"), entries(dir), "the dead run's staging directory is gone");
    }

    @Test
    void anInterruptedDemoLeavesNothingInTheTemporaryDirectory() throws Exception {
        Path scratch = Files.createDirectories(dir.resolve("tmp"));
        Process p = LookmProcess.start(List.of("-Djava.io.tmpdir=" + scratch), "demo", "--out", dir.resolve("demo").toString(), "--quiet");
        waitFor(scratch, f -> f.startsWith("lookm-demo-sample-"), p);
        p.destroy();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(List.of(), entries(scratch), "the extracted sample is removed");
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.allMatch(f -> f.getFileName().toString().equals("tmp") || f.getFileName().toString().equals("demo.partial")),
                    "at most the marked partial output is left: " + entries(dir));
        }
    }

    @Test
    void anInterruptedSweepKeepsOnlyItsMarkedPartialOutputAndSaysHowToResume() throws Exception {
        Path trace = lookm.traces.synth.SampleTrace.extractTo(dir.resolve("sample"));
        Path log = dir.resolve("log.txt");
        Process p = LookmProcess.start(List.of(), log, "sweep", "--trace", trace.toString(), "--policies", "h2o,lookm,tp-average",
                "--budgets", "0.1,0.2,0.4", "--out", dir.resolve("s").toString(), "--quiet");
        waitFor(dir.resolve("s.partial").resolve(lookm.bench.replay.CellStore.DIRECTORY), f -> true, p);
        p.destroy();                                                // SIGTERM
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(List.of("log.txt", "s.partial", "sample"), entries(dir));
        assertEquals("partial", lookm.traces.write.OutputGuard.markerState(dir.resolve("s.partial")));
        String said = Files.readString(log);
        assertTrue(said.contains("stopped; the finished cells are kept in " + dir.resolve("s.partial")) && said.contains("--resume"), said);
    }

    @Test
    void anExportLeftByAKilledProcessIsRemovedByTheNextExport() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.writeString(dir.resolve(".layer.npz.tmp-" + gone.pid() + "-1a2b"), "half an npz");
        Path trace = lookm.traces.synth.SampleTrace.extractTo(dir.resolve("sample"));
        LookmCliTest.Run r = LookmCliTest.lookm("trace", "export", "--trace", trace.toString(), "--policy", "h2o", "--out",
                dir.resolve("layer.npz").toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(stale));
        assertEquals(List.of("layer.npz", "sample"), entries(dir));
    }

    private static void waitFor(Path where, Predicate<String> name, Process p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(where) && entries(where).stream().anyMatch(name)) return;
            assertTrue(p.isAlive(), "the run ended before it could be interrupted");
            Thread.sleep(STEP_MILLIS);
        }
        throw new AssertionError("nothing appeared in " + where);
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
