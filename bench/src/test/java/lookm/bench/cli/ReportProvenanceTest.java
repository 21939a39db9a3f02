package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lookm.bench.report.JsonReader;
import lookm.bench.report.Provenance;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports you can rerun (issue 10, item 6): command line, commit, every option's effective value, seeds and the
 * inputs' checksums are recorded; {@code --seed} reseeds {@code random}; {@code lookm compare} shows what differs.
 */
class ReportProvenanceTest {
    @TempDir static Path shared;
    static Path sample;
    @TempDir Path tmp;

    @BeforeAll
    static void extractSample() { sample = SampleTrace.extractTo(shared.resolve("sample")); }

    private Path replay(String name, String... more) {
        Path out = tmp.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("replay", "--trace", sample.toString(), "--policy", "random", "--budget", "0.2",
                "--layers", "2", "--out", out.toString(), "--quiet"));
        args.addAll(List.of(more));
        LookmCliTest.Run r = LookmCliTest.lookm(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> run(Path out) throws IOException {
        Map<String, Object> root = (Map<String, Object>) JsonReader.parse(Files.readString(out.resolve("replay.json")), "replay.json");
        return (Map<String, Object>) root.get("run");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aReportRecordsWhatItTakesToRerunIt() throws IOException {
        Map<String, Object> run = run(replay("a", "--seed", "7"));
        assertEquals(List.of("replay", "--trace", sample.toString(), "--policy", "random", "--budget", "0.2", "--layers", "2", "--out",
                tmp.resolve("a").toString(), "--quiet", "--seed", "7"), run.get("commandLine"));
        assertTrue(run.get("commit").toString().matches("[0-9a-f]{40}(-dirty)?|unknown"), run.get("commit").toString());
        Map<String, Object> options = (Map<String, Object>) run.get("options");
        assertEquals(0.2, options.get("--budget"));
        assertEquals(0.5, options.get("--recent-share"), "defaults are recorded too");
        assertTrue(options.containsKey("--scores") && options.get("--scores") == null,
                "--scores not given: recorded as null, the policy expression says the source: " + options);
        assertEquals(2.0, options.get("--layers"));
        assertEquals("reference", options.get("--backend"));
        assertEquals(7.0, run.get("seed"));
        Map<String, Object> inputs = (Map<String, Object>) run.get("inputs");
        assertEquals(SampleTrace.FILES.size(), inputs.size(), inputs.toString());
        assertEquals(Provenance.sha256(sample.resolve("kv.arrow")), inputs.get("sample/kv.arrow"));
        assertTrue(Files.readString(tmp.resolve("a").resolve("layers.csv")).contains("# seed: 7\n"));
    }

    @Test
    void seedReseedsRandomAndCompareShowsWhatDiffers() throws IOException {
        Path a = replay("a", "--seed", "7"), again = replay("again", "--seed", "7"), b = replay("b", "--seed", "8");
        assertEquals(rows(a), rows(again), "same seed, same result");
        assertNotEquals(rows(a), rows(b), "another seed, another random selection");

        LookmCliTest.Run same = LookmCliTest.lookm("compare", a.toString(), again.toString());
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("results: identical"), same.out());
        assertTrue(same.out().contains("options.--out"), "the output path is a parameter that differs: " + same.out());
        assertFalse(same.out().contains("options.--seed"), same.out());

        LookmCliTest.Run diff = LookmCliTest.lookm("compare", a.toString(), b.resolve("replay.json").toString());
        assertEquals(0, diff.code(), diff.err());
        assertTrue(diff.out().matches("(?s).*options\\.--seed\\s+7\\s+8.*"), diff.out());
        assertTrue(diff.out().contains("policyParameters"), "the seed is part of the policy's parameters: " + diff.out());
        assertTrue(diff.out().contains("summary.overall.recall"), diff.out());
        assertTrue(diff.out().contains("perLayer[1].heads[0].kept") || diff.out().contains("perLayer[1]"), diff.out());

        LookmCliTest.Run missing = LookmCliTest.lookm("compare", a.toString(), tmp.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope"), missing.err());
    }

    private static List<String> rows(Path out) throws IOException {
        return Files.readAllLines(out.resolve("layers.csv")).stream().filter(l -> !l.startsWith("#")).toList();
    }
}
