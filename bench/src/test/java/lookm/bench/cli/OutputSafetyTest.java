package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import lookm.bench.report.Provenance;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output rules on every command that writes (issue 10, item 1): an output never equals, contains or lies inside
 * an input, and --overwrite replaces only a directory lookm wrote. Each refusal exits 2 saying why, and leaves every
 * byte under the inputs' directory as it was, with no staging directory left behind.
 */
class OutputSafetyTest {
    @TempDir Path dir;
    Path trace, npz, sibling;

    @BeforeEach
    void layOut() throws IOException {
        trace = SampleTrace.extractTo(dir.resolve("t"));
        sibling = Files.writeString(dir.resolve("notes.txt"), "unrelated, irreplaceable");
        npz = dir.resolve("tiny.npz");
        try (InputStream in = Files.newInputStream(Path.of("..", "traces", "src", "test", "resources", "lookm", "traces", "npy", "tiny.npz"))) {
            Files.copy(in, npz);
        }
    }

    /** A writing command that reads {@code input}, given its --out value. */
    record Writer(String name, Path input, Function<Path, String[]> args) {}

    private List<Writer> writers() {
        String t = trace.toString();
        return List.of(
                new Writer("replay", trace, out -> new String[] {"replay", "--trace", t, "--policy", "h2o", "--out", out.toString(), "--overwrite", "--quiet"}),
                new Writer("sweep", trace, out -> new String[] {"sweep", "--trace", t, "--policies", "h2o", "--budgets", "0.2", "--out", out.toString(),
                        "--overwrite", "--quiet"}),
                new Writer("bench", trace, out -> new String[] {"bench", "--trace", t, "--reference-only", "--warmup", "0", "--repetitions", "1",
                        "--out", out.toString(), "--overwrite"}),
                new Writer("trace export", trace, out -> new String[] {"trace", "export", "--trace", t, "--policy", "h2o", "--out", out.toString(),
                        "--overwrite"}),
                new Writer("trace import", npz, out -> new String[] {"trace", "import", "--from", npz.toString(), "--model", "m", "--out", out.toString(),
                        "--overwrite"}));
    }

    @Test
    void theReproducerKeepsTheTraceAndTheSiblingFile() throws IOException {
        Map<String, String> before = snapshot(dir);
        LookmCliTest.Run r = LookmCliTest.lookm("replay", "--trace", trace.toString(), "--policy", "lookm", "--out", dir.toString(), "--overwrite");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("contains the input"), r.err());
        assertEquals(before, snapshot(dir), "nothing under DIR changed, nothing was added");
    }

    @Test
    void noWritingCommandWritesOverIntoOrAroundItsInput() throws IOException {
        Map<String, String> before = snapshot(dir);
        for (Writer w : writers()) {
            Path parent = w.input().getParent();
            List<Path> targets = new ArrayList<>(List.of(w.input(), parent, w.input().resolve("sub")));
            if (w.name().equals("trace export")) targets.add(w.input().resolve("layer.npz"));
            for (Path out : targets) {
                LookmCliTest.Run r = LookmCliTest.lookm(w.args().apply(out));
                assertEquals(2, r.code(), w.name() + " --out " + out + ": " + r.err());
                assertTrue(r.err().matches("(?s).*(is the input|contains the input|lies inside the input).*"), w.name() + ": " + r.err());
                assertFalse(r.err().contains("\tat "), r.err());
                assertEquals(before, snapshot(dir), w.name() + " --out " + out + " changed the inputs' directory");
            }
        }
    }

    @Test
    void overwriteNeverReplacesADirectoryLookmDidNotWrite() throws IOException {
        Path stranger = Files.createDirectories(dir.resolve("stranger"));
        Files.writeString(stranger.resolve("data.csv"), "precious");
        List<String[]> commands = new ArrayList<>();
        for (Writer w : writers()) commands.add(w.args().apply(stranger));
        commands.add(new String[] {"demo", "--out", stranger.toString(), "--overwrite", "--quiet"});
        commands.add(new String[] {"trace", "synth", "--out", stranger.toString(), "--overwrite", "--quiet"});
        Map<String, String> before = snapshot(dir);
        for (String[] args : commands) {
            LookmCliTest.Run r = LookmCliTest.lookm(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().contains("was not written by lookm"), String.join(" ", args) + ": " + r.err());
            assertEquals(before, snapshot(dir), String.join(" ", args));
        }
    }

    @Test
    void overwriteReplacesWhatLookmWroteOnEveryCommand() throws IOException {
        for (Writer w : writers()) {
            Path out = dir.resolve("out-" + w.name().replace(' ', '-'));
            LookmCliTest.Run first = LookmCliTest.lookm(w.args().apply(out));
            assertEquals(0, first.code(), w.name() + ": " + first.err());
            LookmCliTest.Run again = LookmCliTest.lookm(w.args().apply(out));
            assertEquals(0, again.code(), w.name() + " --overwrite on its own output: " + again.err());
            assertTrue(Files.isRegularFile(out.resolve(lookm.traces.write.OutputGuard.MARKER)), w.name() + " marks its output");
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no staging directory is left");
        }
    }

    /** Every file under {@code root} (relative path) with its SHA-256. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator)
                out.put(root.relativize(p).toString(), Files.isRegularFile(p) ? Provenance.sha256(p) : "dir");
        }
        return out;
    }
}
