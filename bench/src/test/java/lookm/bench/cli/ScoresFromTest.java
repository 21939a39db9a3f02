package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lookm.spec.tensor.Scores;
import lookm.traces.npy.NpyReader;
import lookm.traces.npy.NpyWriter;
import lookm.traces.scores.ScoreFile;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --scores-from}: kvpress's own stored scores (../shared/golden-kvpress), fed through {@code lookm trace export}
 * on a trace imported from the same case's inputs, give kvpress's kept sets at kvpress's budget (--compression-ratio);
 * an Arrow score file gives the same as the .npy one; bad files exit 2 naming the file.
 */
class ScoresFromTest {
    /** The smallest GQA case (Hq 8, Hkv 2, D 64, T 1200). */
    static final String CASE = "syn_q8kv2_d64_T1200_i1_s101";
    /** Decode probes made from the last prefill queries, so replay has something to measure on. */
    static final int PROBES = 4;
    /** Runs whose kept set is a plain top-n of the stored score and unambiguous (kvpress README, "How to test"). */
    static final Pattern TOP_N_RUN = Pattern.compile("\"id\": \"((snapkv_w64_k5|observed_attention|knorm|tova|keydiff|cur_kvproduct_w16_s4|lagkv_s4_l128)/(cr0\\.[0-9]|C[0-9]+))\"");

    @TempDir static Path shared;
    static Path caseDir, trace;
    @TempDir Path tmp;

    @BeforeAll
    static void importTheCase() throws IOException {
        Path root = Paths.get("../../shared/golden-kvpress");
        if (!Files.isDirectory(root)) root = Paths.get("../shared/golden-kvpress");
        caseDir = root.resolve(CASE);
        if (!Files.isDirectory(caseDir)) return;
        Path arrays = Files.createDirectories(shared.resolve("arrays"));
        Files.copy(caseDir.resolve("K.npy"), arrays.resolve("keys.npy"));
        Files.copy(caseDir.resolve("V.npy"), arrays.resolve("values.npy"));
        Files.copy(caseDir.resolve("token_image_id.npy"), arrays.resolve("image_ids.npy"));
        float[] colsum = floats(caseDir.resolve("eager_attn_colsum.npy"));
        float[] q = floats(caseDir.resolve("Q.npy"));
        int hq = 8, t = 1200, d = 64;
        write(arrays.resolve("accumulated_attention.npy"), colsum, 1, hq, t);
        write(arrays.resolve("prefill_queries.npy"), q, 1, hq, t, d);
        float[] probes = new float[hq * PROBES * d];
        for (int h = 0; h < hq; h++) System.arraycopy(q, (h * t + t - PROBES) * d, probes, h * PROBES * d, PROBES * d);
        write(arrays.resolve("probe_queries.npy"), probes, 1, hq, PROBES, d);
        trace = shared.resolve("trace");
        LookmCliTest.Run r = LookmCliTest.lookm("trace", "import", "--from", arrays.toString(), "--out", trace.toString(), "--model", "kvpress-" + CASE);
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void kvpressStoredScoresGiveKvpressKeptSets() throws IOException {
        Assumptions.assumeTrue(trace != null, "no ../shared/golden-kvpress/" + CASE);
        String runs = Files.readString(caseDir.resolve("runs.json"));
        Matcher m = TOP_N_RUN.matcher(runs);
        int checked = 0;
        while (m.find()) {
            String id = m.group(1);
            String run = runs.substring(m.start(), runs.indexOf("\"kept_image_tokens_per_head\"", m.start()));
            if (!run.contains("\"ambiguous_heads\": []")) continue;          // torch's tie order: checked in KvpressGoldenTest
            String cr = field(run, "compression_ratio"), score = field(run, "score").replace("\"", ""), kept = field(run, "kept").replace("\"", "");
            Path out = tmp.resolve(id.replace('/', '_'));
            LookmCliTest.Run r = LookmCliTest.lookm("trace", "export", "--trace", trace.toString(), "--policy", "kvpress-knorm",
                    "--scores-from", caseDir.resolve(score).toString(), "--compression-ratio", cr, "--out", out.toString());
            assertEquals(0, r.code(), id + ": " + r.err());
            assertArrayEquals(ints(caseDir.resolve(kept)), ints(out.resolve("kept.npy")), id + ": kept positions from kvpress's stored scores");
            checked++;
        }
        assertTrue(checked >= 20, "checked only " + checked + " runs");
    }

    @Test
    void anArrowScoreFileReadsAsTheNpyOne() throws IOException {
        Assumptions.assumeTrue(trace != null, "no ../shared/golden-kvpress/" + CASE);
        Path npy = caseDir.resolve("keydiff/score.npy");
        float[] scores = floats(npy);
        Path arrow = tmp.resolve("keydiff.arrow");
        writeArrow(arrow, scores, 2, 1200);
        Scores fromNpy = ScoreFile.read(npy).layer(0, 2, 1200), fromArrow = ScoreFile.read(arrow).layer(0, 2, 1200);
        assertArrayEquals(fromNpy.values(), fromArrow.values());
        LookmCliTest.Run r = LookmCliTest.lookm("replay", "--trace", trace.toString(), "--policy", "kvpress-knorm", "--scores-from", arrow.toString(),
                "--compression-ratio", "0.8", "--out", tmp.resolve("replay").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        String report = Files.readString(tmp.resolve("replay/replay.json"));
        assertTrue(report.contains("score=external") && report.contains("scoresFrom=" + arrow), "the report names the external scores: " + report);
    }

    @Test
    void aSweepRanksTheExternalScoresWithEveryPolicysSelection() throws IOException {
        Assumptions.assumeTrue(trace != null, "no ../shared/golden-kvpress/" + CASE);
        Path scores = caseDir.resolve("tova/score.npy");
        LookmCliTest.Run r = LookmCliTest.lookm("sweep", "--trace", trace.toString(), "--policies", "kvpress-knorm,h2o", "--budgets", "0.1,0.3",
                "--scores-from", scores.toString(), "--out", tmp.resolve("sweep").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        String report = Files.readString(tmp.resolve("sweep/sweep.json"));
        assertTrue(report.contains("kvpress-knorm: score=external") && report.contains("h2o: score=external")
                && report.contains("scoresFrom=" + scores), "every policy ranks the external scores: " + report);
    }

    @Test
    void aScoreFileThatDoesNotFitTheTraceExitsTwoNamingIt() throws IOException {
        Assumptions.assumeTrue(trace != null, "no ../shared/golden-kvpress/" + CASE);
        Path wrong = tmp.resolve("wrong.npy");
        write(wrong, new float[3 * 1200], 3, 1200);                          // 3 heads, the trace has 2
        LookmCliTest.Run r = LookmCliTest.lookm("trace", "export", "--trace", trace.toString(), "--policy", "kvpress-knorm",
                "--scores-from", wrong.toString(), "--compression-ratio", "0.8", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(wrong.toString()) && r.err().contains("H=3"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        Path nan = tmp.resolve("nan.npy");
        float[] values = new float[2 * 1200];
        values[1200 + 7] = Float.NaN;
        write(nan, values, 2, 1200);
        LookmCliTest.Run bad = LookmCliTest.lookm("trace", "export", "--trace", trace.toString(), "--policy", "kvpress-knorm",
                "--scores-from", nan.toString(), "--compression-ratio", "0.8", "--out", tmp.resolve("o2").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains(nan.toString()) && bad.err().contains("head 1, position 7"), bad.err());
        Path layers = tmp.resolve("three-layers.npy");
        write(layers, new float[3 * 2 * 1200], 3, 2, 1200);                    // 3 layers, the trace has 1
        LookmCliTest.Run extra = LookmCliTest.lookm("replay", "--trace", trace.toString(), "--policy", "kvpress-knorm",
                "--scores-from", layers.toString(), "--compression-ratio", "0.8", "--out", tmp.resolve("o3").toString(), "--quiet");
        assertEquals(2, extra.code(), extra.err());
        assertTrue(extra.err().contains("L=3") && extra.err().contains("L=1"), extra.err());
    }

    @Test
    void compressionRatioExcludesTheOtherBudgetOptions() {
        Assumptions.assumeTrue(trace != null, "no ../shared/golden-kvpress/" + CASE);
        LookmCliTest.Run r = LookmCliTest.lookm("trace", "export", "--trace", trace.toString(), "--policy", "kvpress-knorm",
                "--compression-ratio", "0.8", "--budget", "0.2", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--compression-ratio"), r.err());
    }

    private static String field(String run, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": (\"[^\"]*\"|[-0-9.eE]+)").matcher(run);
        assertTrue(m.find(), "runs.json run has no " + name + ": " + run);
        return m.group(1);
    }

    private static float[] floats(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); NpyReader r = new NpyReader(in, file.toString())) {
            float[] out = new float[Math.toIntExact(r.header().elements())];
            r.readFloats(out, 0, out.length);
            return out;
        }
    }

    private static int[] ints(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); NpyReader r = new NpyReader(in, file.toString())) {
            return r.readInts(Math.toIntExact(r.header().elements()));
        }
    }

    private static void write(Path file, float[] data, long... shape) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            NpyWriter.floats(out, data, shape);
        }
    }

    /** The tidy layout: one row per (layer 0, head, position). */
    private static void writeArrow(Path file, float[] scores, int heads, int tokens) throws IOException {
        try (RootAllocator allocator = new RootAllocator();
             IntVector layer = new IntVector(ScoreFile.LAYER, allocator); IntVector head = new IntVector(ScoreFile.HEAD, allocator);
             IntVector position = new IntVector(ScoreFile.POSITION, allocator); Float4Vector score = new Float4Vector(ScoreFile.SCORE, allocator)) {
            int n = heads * tokens;
            for (var v : List.of(layer, head, position)) v.allocateNew(n);
            score.allocateNew(n);
            for (int i = 0; i < n; i++) {                 // reversed order: the reader must not depend on row order
                int at = n - 1 - i;
                layer.set(i, 0);
                head.set(i, at / tokens);
                position.set(i, at % tokens);
                score.set(i, scores[at]);
            }
            for (var v : List.of(layer, head, position, score)) v.setValueCount(n);
            try (VectorSchemaRoot root = VectorSchemaRoot.of(layer, head, position, score);
                 FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
                w.start();
                w.writeBatch();
                w.end();
            }
        }
    }
}
