package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --compression-ratios CR,...}: kvpress's budgets in a sweep. Every cell is the one {@code replay --compression-ratio CR}
 * computes (same kept counts, same fidelity), the tables' budget is 1 − CR, and the refusals name the option.
 */
class CompressionRatioSweepTest {
    static final List<String> POLICIES = List.of("kvpress-knorm", "kvpress-observed-attention", "h2o");
    static final List<String> RATIOS = List.of("0.5", "0.8");
    @TempDir static Path shared;
    static Path sample;
    @TempDir Path tmp;

    @BeforeAll static void extractSample() { sample = SampleTrace.extractTo(shared.resolve("sample")); }

    @Test void everyCellIsTheReplayAtThatCompressionRatio() throws IOException {
        Path sweep = tmp.resolve("sweep");
        LookmCliTest.Run r = LookmCliTest.lookm("sweep", "--trace", sample.toString(), "--policies", String.join(",", POLICIES),
                "--compression-ratios", String.join(",", RATIOS), "--out", sweep.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        String json = Files.readString(sweep.resolve("sweep.json"));
        assertTrue(json.contains("kvpress compression ratios [0.5, 0.8]"), "the run record names kvpress's budgets: " + json);
        List<String> rows = Files.readAllLines(sweep.resolve("sweep.csv")).stream().filter(l -> !l.startsWith("#")).toList();
        assertEquals(1 + POLICIES.size() * RATIOS.size(), rows.size());
        for (String policy : POLICIES)
            for (String cr : RATIOS) {
                String budget = "kvpress(compression_ratio=" + cr + ")";
                Path out = tmp.resolve(policy + "-" + cr);
                LookmCliTest.Run one = LookmCliTest.lookm("replay", "--trace", sample.toString(), "--policy", policy, "--compression-ratio", cr,
                        "--out", out.toString(), "--quiet");
                assertEquals(0, one.code(), one.err());
                String replay = Files.readString(out.resolve("replay.json"));
                String cell = entry(json, policy, budget);
                assertEquals(field(entry(replay, policy, budget), "\"overall\": {"), field(cell, "\"overall\": {"), policy + " at " + cr);
                assertEquals(field(entry(replay, policy, budget), "\"effectiveTokensPerLayer\": ["), field(cell, "\"effectiveTokensPerLayer\": ["));
                // (1) the tables' budget is the share kept, 1 − CR, as a user reads it
                String keptShare = cr.equals("0.5") ? "0.500000" : "0.200000";
                assertTrue(rows.stream().anyMatch(l -> l.startsWith(policy + "," + keptShare + ",")), policy + " at " + keptShare + ": " + rows);
            }
    }

    @Test void refusalsNameTheOption() {
        LookmCliTest.Run both = LookmCliTest.lookm("sweep", "--trace", sample.toString(), "--policies", "h2o", "--compression-ratios", "0.5",
                "--budgets", "0.2", "--out", tmp.resolve("a").toString(), "--quiet");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("--compression-ratios cannot be combined with --budgets"), both.err());
        LookmCliTest.Run all = LookmCliTest.lookm("sweep", "--trace", sample.toString(), "--policies", "h2o", "--compression-ratios", "0.5,1",
                "--out", tmp.resolve("b").toString(), "--quiet");
        assertEquals(2, all.code(), all.err());
        assertTrue(all.err().contains("--compression-ratios value 1.0 must be in [0, 1)"), all.err());
        assertTrue(!Files.exists(tmp.resolve("b")), "nothing written for a refused sweep");
        LookmCliTest.Run share = LookmCliTest.lookm("sweep", "--trace", sample.toString(), "--policies", "h2o", "--compression-ratios", "0.5",
                "--recent-share", "0.25", "--out", tmp.resolve("c").toString(), "--quiet");
        assertEquals(0, share.code(), share.err());
        assertTrue(share.err().contains("--recent-share has no effect with --compression-ratios"), share.err());
    }

    /** The JSON object text of the result for {@code policy} at {@code budget}: from its "policy" key to the next result's. */
    static String entry(String json, String policy, String budget) {
        String key = "\"policy\": \"" + policy + "\"";
        for (int at = json.indexOf(key); at >= 0; at = json.indexOf(key, at + 1)) {
            int next = json.indexOf("\"policy\": \"", at + key.length());
            String chunk = json.substring(at, next < 0 ? json.length() : next);
            if (chunk.contains("\"budget\": \"" + budget + "\"") && chunk.contains("\"overall\": {")) return chunk;       // not the run record
        }
        throw new AssertionError("no result for " + policy + " at " + budget + " in " + json);
    }

    /** The text of the first bracketed value after {@code opening} (which ends with its bracket), brackets included, white space collapsed. */
    static String field(String chunk, String opening) {
        int start = chunk.indexOf(opening);
        assertTrue(start >= 0, opening + " not in " + chunk);
        char open = opening.charAt(opening.length() - 1), close = open == '{' ? '}' : ']';
        int depth = 0;
        for (int i = start + opening.length() - 1; i < chunk.length(); i++) {
            if (chunk.charAt(i) == open) depth++;
            else if (chunk.charAt(i) == close && --depth == 0) return chunk.substring(start, i + 1).replaceAll("\\s+", " ");   // nesting indents
        }
        throw new AssertionError("unclosed " + opening + " in " + chunk);
    }
}
