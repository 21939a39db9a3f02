package lookm.traces.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.TraceFixtures;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import org.junit.jupiter.api.Test;

/** Determinism and the structure LOOK-M relies on, checked on generated layers. */
class SyntheticTraceGeneratorTest {
    /** One LLaVA-like layer with 2 images of 144 tokens (MobileVLM), GQA 8/2, D=32, exact attention. */
    private static final SynthConfig CONFIG = SynthConfig.builder().shape(2, 8, 2, 32).dtype(CacheDtype.FLOAT32)
            .images(SynthConfig.Builder.MOBILEVLM_TOKENS_PER_IMAGE, 20, 40, 60).prefillQueries(8).probes(4).seed(7).build();
    private static final TraceLayer LAYER = new SyntheticTraceGenerator(CONFIG).layer(1);

    @Test
    void sameSeedSameTraceDifferentSeedDifferentTrace() {
        TraceLayer again = new SyntheticTraceGenerator(CONFIG).layer(1);
        TraceFixtures.assertSameLayer(LAYER, again);
        TraceLayer other = new SyntheticTraceGenerator(CONFIG.toBuilder().seed(8).build()).layer(1);
        assertFalse(Arrays.equals(LAYER.block().keys(), other.block().keys()));
    }

    @Test
    void aLayerDoesNotDependOnWhichLayersWereGeneratedBefore() {
        SyntheticTraceGenerator gen = new SyntheticTraceGenerator(CONFIG);
        gen.layer(0);
        TraceFixtures.assertSameLayer(LAYER, gen.layer(1));
    }

    @Test
    void layoutInterleavesTextRunsAndImages() {
        TokenLayout layout = LAYER.block().layout();
        assertEquals(20 + 144 + 40 + 144 + 60, layout.size());
        assertEquals(2, layout.imageCount());
        assertEquals("T=408 [text 20, image#0 144, text 40, image#1 144, text 60]", layout.toString());
    }

    @Test
    void recordedAttentionIsTheExactCausalSoftmaxColumnSum() {
        KvBlock b = LAYER.block();
        int t = b.tokens(), d = b.headDim(), q = 5, kvHead = q / 4;
        // naive reference from the window queries: rows T-W..T-1 of query head q contribute to every column sum,
        // so their softmax rows summed must not exceed the recorded sums, and each row sums to 1
        float[] recorded = Arrays.copyOfRange(LAYER.observation().accumulatedAttention().values(), q * t, (q + 1) * t);
        double total = 0;
        for (float v : recorded) total += v;
        assertEquals(t, total, 1e-3 * t, "each of the T softmax rows sums to 1");
        var window = LAYER.observation().prefillQueries();
        float[] lastQuery = Arrays.copyOfRange(window.data(), window.offset(q, window.count() - 1), window.offset(q, window.count() - 1) + d);
        float[] again = CausalAttention.columnSums(lastQuery, Arrays.copyOfRange(b.keys(), b.offset(kvHead, 0), b.offset(kvHead, 0) + t * d), 0, 1, d, 1);
        assertEquals(1.0, again[0], 1e-6, "a single row attends only to itself");
    }

    @Test
    void columnSumsMatchANaiveSoftmax() {
        int t = 6, d = 3;
        float[] qs = new float[t * d], ks = new float[t * d];
        for (int i = 0; i < qs.length; i++) {
            qs[i] = (float) Math.sin(i);
            ks[i] = (float) Math.cos(2 * i);
        }
        double[] naive = new double[t];
        for (int i = 0; i < t; i++) {
            double[] e = new double[i + 1];
            double z = 0;
            for (int j = 0; j <= i; j++) {
                double l = 0;
                for (int k = 0; k < d; k++) l += qs[i * d + k] * ks[j * d + k];
                z += e[j] = Math.exp(l / Math.sqrt(d));
            }
            for (int j = 0; j <= i; j++) naive[j] += e[j] / z;
        }
        float[] fast = CausalAttention.columnSums(qs, ks, 0, t, d, 1);
        for (int j = 0; j < t; j++) assertEquals(naive[j], fast[j], 1e-6, "column " + j);
    }

    @Test
    void textTokensDrawMoreAttentionThanImageTokens() {
        TokenLayout layout = LAYER.block().layout();
        var a = LAYER.observation().accumulatedAttention();
        double text = 0, image = 0;
        for (int h = 0; h < a.queryHeads(); h++)
            for (int j = CONFIG.sinkTokens(); j < layout.size() - 64; j++) {  // away from sinks and the recent end
                if (layout.isText(j)) text += a.at(h, j) / layout.textCount(CONFIG.sinkTokens(), layout.size() - 64);
                else image += a.at(h, j) / layout.imageTokenCount();
            }
        assertTrue(text > 1.5 * image, "mean per text token " + text + " vs per image token " + image);
    }

    @Test
    void sinksDrawTheMostAttention() {
        var a = LAYER.observation().accumulatedAttention();
        int t = a.tokens();
        for (int h = 0; h < a.queryHeads(); h++) {
            float sink = a.at(h, 0);
            for (int j = CONFIG.sinkTokens(); j < t / 2; j++) assertTrue(sink > 5 * a.at(h, j), "head " + h + " token " + j);
        }
    }

    @Test
    void recentTokensAreAttendedMoreThanOldOnesByTheLastQuery() {
        // logit recency term peaks at distance 0: q_{T-1}·k_j is larger on average for the last 8 text tokens
        KvBlock b = LAYER.block();
        var window = LAYER.observation().prefillQueries();
        int d = b.headDim(), t = b.tokens();
        double recent = 0, old = 0;
        for (int q = 0; q < 8; q++) {
            int kv = q / 4, row = window.offset(q, window.count() - 1);
            for (int j = 0; j < 8; j++) {
                recent += dot(window.data(), row, b.keys(), b.offset(kv, t - 1 - j), d);
                old += dot(window.data(), row, b.keys(), b.offset(kv, t - 40 - j), d);
            }
        }
        assertTrue(recent > old, "recent " + recent + " vs old " + old);
    }

    @Test
    void neighbouringImagePatchesHaveSimilarKeys() {
        KvBlock b = LAYER.block();
        int first = 20;
        double neighbours = 0, far = 0;
        int n = 0;
        for (int p = 0; p < 100; p++) {
            int t = first + p;
            neighbours += cosine(b, t, t + 1);   // same row, next column
            far += cosine(b, t, first + (p + 70) % 144);
            n++;
        }
        assertTrue(neighbours / n > 0.8, "mean neighbour cosine " + neighbours / n);
        assertTrue(neighbours / n > far / n + 0.1, "neighbours " + neighbours / n + " vs far " + far / n);
    }

    @Test
    void probesAreDecodePositionsAfterThePrompt() {
        var probes = LAYER.observation().probeQueries();
        assertArrayEquals(new int[] {408, 409, 410, 411}, probes.positions());
        assertEquals(8, probes.queryHeads());
    }

    @Test
    void float16GenerationIsRoundedToHalf() {
        TraceLayer half = new SyntheticTraceGenerator(CONFIG.toBuilder().dtype(CacheDtype.FLOAT16).build()).layer(0);
        for (float v : half.block().keys())
            assertEquals(v, org.apache.arrow.memory.util.Float16.toFloat(org.apache.arrow.memory.util.Float16.toFloat16(v)));
    }

    private static double cosine(KvBlock b, int i, int j) {
        int d = b.headDim();
        double dot = dot(b.keys(), b.offset(0, i), b.keys(), b.offset(0, j), d);
        return dot / Math.sqrt(dot(b.keys(), b.offset(0, i), b.keys(), b.offset(0, i), d) * dot(b.keys(), b.offset(0, j), b.keys(), b.offset(0, j), d));
    }

    private static double dot(float[] a, int ao, float[] b, int bo, int n) {
        double s = 0;
        for (int k = 0; k < n; k++) s += (double) a[ao + k] * b[bo + k];
        return s;
    }
}
