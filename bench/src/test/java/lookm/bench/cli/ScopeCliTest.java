package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Budget scopes (SPEC.md §3B) and the VL-Cache policies through the app, on a small synthetic Qwen2-VL trace. */
class ScopeCliTest {
    @TempDir static Path shared;
    static Path trace;
    @TempDir Path tmp;

    record Run(int code, String out, String err) {}

    static Run lookm(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LookmCli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void synthesise() {
        trace = shared.resolve("qwen");
        Run r = lookm("trace", "synth", "--layout", "qwen2-vl", "--out", trace.toString(), "--layers", "2", "--heads", "2", "--head-dim", "16",
                "--tokens", "560", "--prefill-queries", "48", "--quiet");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void aSweepComparesTheGlobalAndTheScopedSelectionsAndRecordsTheScope() throws IOException {
        Run r = lookm("sweep", "--trace", trace.toString(), "--policies", "h2o,h2o scope=image,h2o scope=modality(shares=attention),vlcache-modality",
                "--budgets", "0.2", "--out", tmp.resolve("s").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("h2o scope=image") && r.out().contains("vlcache-modality"), r.out());
        String json = Files.readString(tmp.resolve("s/sweep.json"));
        assertTrue(json.contains("merge=drop scope=image"), "the canonical expression records the scope");
        assertTrue(json.contains("allocate=vlcache(threshold=0.01) scope=modality(shares=attention)"), "vlcache-modality's stages");
    }

    @Test
    void aNamedPoliciesFileEntryKeepsItsScope() throws IOException {
        Path file = tmp.resolve("policies.json");
        Files.writeString(file, "[{\"name\": \"per-tile\", \"expression\": \"lookm-budgeted scope=tile\"}]");
        Run r = lookm("sweep", "--trace", trace.toString(), "--policies", file.toString(), "--budgets", "0.2", "--out", tmp.resolve("s").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(tmp.resolve("s/sweep.json")).contains("merge=pivot scope=tile"), "the file's entry is scoped");
    }

    @Test
    void aScopeTheSelectionCannotServeExitsTwoNamingBoth() {
        Run r = lookm("replay", "--trace", trace.toString(), "--policy", "lookm scope=image", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("scope=image") && r.err().contains("textprior(mode=released"), r.err());
        assertFalse(Files.exists(tmp.resolve("o")), "nothing written for a bad expression");
        Run unknown = lookm("replay", "--trace", trace.toString(), "--policy", "h2o scope=pages", "--out", tmp.resolve("p").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown scope 'pages'"), unknown.err());
    }

    @Test
    void policiesPrintsTheScopeTermAndTheVlCachePolicies() {
        Run r = lookm("policies");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("scope=global|modality|image|tile|frame[(shares=size|attention)]"), r.out());
        assertTrue(r.out().contains("= score=postvision select=topk(sinks=0,window=R,ties=position) merge=drop allocate=vlcache(threshold=0.01)"), r.out());
    }
}
