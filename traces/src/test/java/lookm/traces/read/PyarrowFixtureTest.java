package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Queries;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.write.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads a trace written by pyarrow: a real recording by traces/python/record_trace.py (its command line, through a
 * LlavaProcessor) of the tiny random LLaVA in traces/python/tiny_llava.py, float16, with all prefill queries and 4
 * decode probes. Regenerate with {@code python traces/python/make_pyarrow_fixture.py --overwrite}.
 *
 * <p>The values are not closed-form (a model computed them), so they are checked by what they must satisfy: the
 * recorded accumulated attention must be the causal column sums of softmax(q·k/√D) over the stored queries and keys,
 * recomputed here naively in double.
 */
class PyarrowFixtureTest {
    private static final int T = 39, LAYERS = 2, QUERY_HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16, PROBES = 4, IMAGE_TOKEN = 100;
    /** The processor's expansion of "USER: <image> what is this and <image> ? ASSISTANT:" (tiny_llava.WORDS). */
    private static final int[] TOKEN_IDS = tokenIds();
    /** Unit roundoff of float16, 2^-11: the model ran in float16, so its probabilities were rounded to float16 before the
     * recorder summed them, and the stored queries and keys are float16 too. */
    private static final double HALF_ROUNDOFF = 0x1p-11;
    /** Smallest positive float16 (subnormal), 2^-24: the absolute rounding step of probabilities below 2^-14. */
    private static final double HALF_SMALLEST = 0x1p-24;

    private static int[] tokenIds() {
        int[] ids = new int[T];
        int i = 0;
        ids[i++] = 3;
        for (int p = 0; p < 16; p++) ids[i++] = IMAGE_TOKEN;
        for (int w : new int[] {5, 6, 7, 8}) ids[i++] = w;
        for (int p = 0; p < 16; p++) ids[i++] = IMAGE_TOKEN;
        ids[i++] = 9;
        ids[i] = 4;
        return ids;
    }

    private static Path fixture() throws URISyntaxException {
        return Path.of(PyarrowFixtureTest.class.getResource("/lookm/traces/fixtures/pyarrow-tiny-llava/layout.arrow").toURI()).getParent();
    }

    @Test
    void readsTheRecordersMetadataAndLayout() throws URISyntaxException {
        try (TraceReader r = TraceReader.open(fixture())) {
            var m = r.metadata();
            assertEquals("tiny-random-llava (traces/python/tiny_llava.py)", m.modelName());
            assertEquals(CacheDtype.FLOAT16, m.dtype());
            assertEquals(List.of(LAYERS, QUERY_HEADS, KV_HEADS, HEAD_DIM, T, T, PROBES, 16),
                    List.of(m.layers(), m.queryHeads(), m.kvHeads(), m.headDim(), m.tokens(), m.prefillQueries(), m.probes(), m.tokensPerImage()));
            assertEquals(10_000.0, m.ropeBase());
            assertTrue(m.source().startsWith("record_trace.py, transformers "), m.source());
            assertEquals("T=39 [text 1, image#0 16, text 4, image#1 16, text 2]", r.layout().toString());
            assertArrayEquals(TOKEN_IDS, r.tokenIds().orElseThrow());
        }
        var verdict = TraceValidator.validate(fixture());
        assertTrue(verdict.valid(), verdict::message);
        // integrity.arrow written by pyarrow (hashlib), verified by the Java reader: the two writers agree on it
        assertTrue(verdict.message().contains("sha256, sizes, rows and batches verified for 5 of 5 files"), verdict.message());
        assertEquals(LAYERS, TraceInspector.inspect(fixture()).layers().size());
    }

    @Test
    void accumulatedAttentionIsTheCausalColumnSumOfTheStoredQueriesAndKeys() throws URISyntaxException {
        try (TraceReader r = TraceReader.open(fixture())) {
            for (int l = 0; l < LAYERS; l++) {
                TraceLayer layer = r.layer(l);
                KvBlock kv = layer.block();
                Queries q = layer.observation().prefillQueries();
                AccumulatedAttention recorded = layer.observation().accumulatedAttention();
                for (int h = 0; h < QUERY_HEADS; h++) {
                    int kvHead = h / (QUERY_HEADS / KV_HEADS);
                    double[] expected = columnSums(kv, q, h, kvHead);
                    double relative = columnSumRelativeTolerance(kv, q, h, kvHead), total = 0;
                    for (int t = 0; t < T; t++) {
                        total += recorded.at(h, t);
                        assertEquals(expected[t], recorded.at(h, t), expected[t] * relative + T * HALF_SMALLEST,
                                "layer " + l + ", head " + h + ", token " + t);
                    }
                    assertEquals(T, total, T * HALF_ROUNDOFF, "layer " + l + ", head " + h + ": softmax rows sum to 1");
                }
                assertArrayEquals(new int[] {T, T + 1, T + 2, T + 3}, layer.observation().probeQueries().positions());
            }
        }
    }

    /**
     * Relative error bound of a recorded column sum against the double recomputation. The model ran in float16: each
     * probability it summed was rounded to float16 (relative HALF_ROUNDOFF), and each logit x came from float16 q·k (its
     * own rounding, and the stored q, k rounded once more), so e^x is off by about 2·|x|·HALF_ROUNDOFF relative:
     * (1 + 2·max|x|)·HALF_ROUNDOFF. NumPy measured at most 4.6e-3 relative here; the bound is about 1.1%.
     */
    private static double columnSumRelativeTolerance(KvBlock kv, Queries q, int queryHead, int kvHead) {
        double maxLogit = 0;
        for (int i = 0; i < T; i++)
            for (int j = 0; j <= i; j++) maxLogit = Math.max(maxLogit, Math.abs(logit(kv, q, queryHead, kvHead, i, j)));
        return (1 + 2 * maxLogit) * HALF_ROUNDOFF;
    }

    private static double logit(KvBlock kv, Queries q, int queryHead, int kvHead, int i, int j) {
        double dot = 0;
        for (int d = 0; d < HEAD_DIM; d++) dot += (double) q.data()[q.offset(queryHead, i) + d] * kv.keys()[kv.offset(kvHead, j) + d];
        return dot / Math.sqrt(HEAD_DIM);
    }

    /** Σ_{i ≥ j} softmax_j(q_i · k_j / √D), naively in double (1)–(3). */
    private static double[] columnSums(KvBlock kv, Queries q, int queryHead, int kvHead) {
        double[] sums = new double[T];
        for (int i = 0; i < T; i++) {
            double[] logits = new double[i + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {                                  // (1) causal logits
                logits[j] = logit(kv, q, queryHead, kvHead, i, j);
                max = Math.max(max, logits[j]);
            }
            double z = 0;
            for (int j = 0; j <= i; j++) z += Math.exp(logits[j] - max);  // (2) softmax normaliser
            for (int j = 0; j <= i; j++) sums[j] += Math.exp(logits[j] - max) / z;   // (3) column sums
        }
        return sums;
    }

    @Test
    void javaRewritesThePyarrowTraceWithoutChangingAValue(@TempDir Path dir) throws URISyntaxException {
        List<TraceLayer> layers = new ArrayList<>();
        try (TraceReader r = TraceReader.open(fixture())) {
            for (int l = 0; l < LAYERS; l++) layers.add(r.layer(l));
            TraceWriter.write(dir.resolve("copy"), r.metadata(), r.layout(), r.tokenIds().orElseThrow(), layers, false);
        }
        try (TraceReader copy = TraceReader.open(dir.resolve("copy"))) {
            for (int l = 0; l < LAYERS; l++) {
                TraceLayer a = layers.get(l), b = copy.layer(l);
                assertArrayEquals(a.block().keys(), b.block().keys(), "keys, layer " + l);
                assertArrayEquals(a.block().values(), b.block().values(), "values, layer " + l);
                assertArrayEquals(a.observation().accumulatedAttention().values(), b.observation().accumulatedAttention().values());
                assertArrayEquals(a.observation().prefillQueries().data(), b.observation().prefillQueries().data());
                assertArrayEquals(a.observation().probeQueries().data(), b.observation().probeQueries().data());
            }
        }
    }
}
