package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lookm.bench.replay.DecisionExport;
import lookm.bench.report.JsonReader;
import lookm.bench.report.Provenance;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.LayerContext;
import lookm.traces.npy.NpyReader;
import lookm.traces.npy.NumpySource;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceLayer;
import lookm.traces.synth.SampleTrace;
import lookm.traces.write.OutputGuard;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lookm replay --export-decisions DIR}: the manifest names the policy, budget and trace (SHA-256 of its files), each
 * layer file holds exactly what the policy's compressor decides on that layer, on the reference and on OpenCL, and the
 * target follows the output rules. The evaluator that reads it is tested in traces/python/test_evaluate.py.
 */
class ExportDecisionsTest {
    @TempDir static Path shared;
    static Path sample;
    @TempDir Path tmp;

    @BeforeAll
    static void extractSample() { sample = SampleTrace.extractTo(shared.resolve("sample")); }

    static LookmCliTest.Run lookm(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LookmCli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new LookmCliTest.Run(code, out.toString(), err.toString());
    }

    private LookmCliTest.Run export(String policy, Path decisions, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("replay", "--trace", sample.toString(), "--policy", policy, "--hh-ratio", "0.1",
                "--recent-ratio", "0.1", "--layers", "2", "--quiet", "--out", tmp.resolve("replay-" + decisions.getFileName()).toString(),
                "--export-decisions", decisions.toString()));
        args.addAll(List.of(more));
        return lookm(args.toArray(String[]::new));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theManifestNamesPolicyBudgetAndTraceAndEachLayerHoldsTheCompressorsDecisions() throws IOException {
        Path decisions = tmp.resolve("lookm");
        LookmCliTest.Run r = export("lookm", decisions);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote decisions " + decisions.toAbsolutePath()), r.out());
        Map<String, Object> manifest = (Map<String, Object>) JsonReader.parse(Files.readString(decisions.resolve(DecisionExport.MANIFEST)), "decisions.json");
        assertEquals(DecisionExport.FORMAT, manifest.get("format"));
        Map<?, ?> policy = (Map<?, ?>) manifest.get("policy"), trace = (Map<?, ?>) manifest.get("trace");
        assertEquals("lookm", policy.get("name"));
        assertEquals(true, policy.get("merges"));
        assertEquals(Provenance.sha256(sample.resolve("kv.arrow")), ((Map<?, ?>) trace.get("sha256")).get("kv.arrow"));
        assertEquals(Provenance.sha256(sample.resolve("layout.arrow")), ((Map<?, ?>) trace.get("sha256")).get("layout.arrow"));
        assertEquals(2, ((List<?>) manifest.get("layers")).size(), "--layers 2: two layer files");
        assertTrue(Files.isRegularFile(decisions.resolve(OutputGuard.MARKER)));
        try (TraceReader reader = TraceReader.open(sample); ReferenceBackend backend = new ReferenceBackend()) {
            for (int l = 0; l < 2; l++) {
                TraceLayer layer = reader.layer(l);
                CompressedLayer expected = backend.compressor(Policies.named("lookm")).compress(layer.block(),
                        layer.observation().only(Policies.named("lookm").score().needs()), new Budget.Ratios(0.1, 0.1), LayerContext.of(l, 4));
                assertLayerFile(decisions.resolve(DecisionExport.layerFile(l)), expected, true);
            }
        }
    }

    @Test
    void theOpenClBackendExportsTheSameDecisionsAsTheReference() {
        Path reference = tmp.resolve("h2o-reference"), opencl = tmp.resolve("h2o-opencl");
        assertEquals(0, export("h2o", reference).code());
        LookmCliTest.Run r = export("h2o", opencl, "--backend", "opencl", "--device", "cpu");
        Assumptions.assumeFalse(r.code() == 2 && r.err().contains("OpenCL"), () -> "no OpenCL device here: " + r.err());
        assertEquals(0, r.code(), r.err());
        for (int l = 0; l < 2; l++)
            try (NumpySource a = NumpySource.open(reference.resolve(DecisionExport.layerFile(l)));
                 NumpySource b = NumpySource.open(opencl.resolve(DecisionExport.layerFile(l)))) {
                assertArrayEquals(ints(a, "kept"), ints(b, "kept"), "layer " + l + ": the same kept positions on both backends");
            }
    }

    @Test
    void theTargetFollowsTheOutputRulesAndStaysApartFromOut() throws IOException {
        Path out = tmp.resolve("replay-out");
        LookmCliTest.Run same = lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--quiet", "--out", out.toString(),
                "--export-decisions", out.resolve("decisions").toString());
        assertEquals(2, same.code(), same.err());
        assertTrue(same.err().contains("must be apart"), same.err());
        Path stranger = Files.createDirectories(tmp.resolve("stranger"));
        Files.writeString(stranger.resolve("notes.txt"), "mine");
        LookmCliTest.Run refused = export("h2o", stranger, "--overwrite");
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().contains("was not written by lookm"), refused.err());
        assertEquals("mine", Files.readString(stranger.resolve("notes.txt")), "never touches a directory lookm did not write");
        assertFalse(Files.exists(tmp.resolve("replay-stranger")), "refused before any work");
        LookmCliTest.Run decode = export("h2o", tmp.resolve("decode"), "--decode-every", "4", "--decode-cap", "64");
        assertEquals(2, decode.code(), decode.err());
        assertTrue(decode.err().contains("does not go with --decode-every"), decode.err());
        LookmCliTest.Run inside = export("h2o", sample.resolve("decisions"));
        assertEquals(2, inside.code(), inside.err());
        assertTrue(inside.err().contains("lies inside the input"), inside.err());
    }

    private static void assertLayerFile(Path file, CompressedLayer expected, boolean merges) {
        try (NumpySource npz = NumpySource.open(file)) {
            int[] kept = ints(npz, "kept"), count = ints(npz, "kept_count");
            float[] keys = floats(npz, "keys");
            int c = kept.length / expected.headCount(), d = expected.headDim();
            for (int h = 0; h < expected.headCount(); h++) {
                HeadCompression head = expected.head(h);
                assertEquals(head.keptCount(), count[h]);
                assertArrayEquals(head.kept(), java.util.Arrays.copyOfRange(kept, h * c, h * c + head.keptCount()), "kept positions of head " + h);
                assertArrayEquals(head.keys(), java.util.Arrays.copyOfRange(keys, h * c * d, h * c * d + head.keys().length), "merged keys of head " + h);
                if (merges) assertTrue(head.mergedCount() > 0, "lookm merges evicted tokens on head " + h);
            }
        }
    }

    private static int[] ints(NumpySource npz, String name) {
        try (NpyReader r = npz.reader(name)) {
            return r.readInts((int) r.header().elements());
        }
    }

    private static float[] floats(NumpySource npz, String name) {
        try (NpyReader r = npz.reader(name)) {
            float[] out = new float[(int) r.header().elements()];
            r.readFloats(out, 0, out.length);
            return out;
        }
    }
}
