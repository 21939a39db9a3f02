package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.TokenDetails;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceSchema;
import lookm.traces.write.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads a version-2 trace written by pyarrow: a recording by traces/python/record_trace.py of the tiny random Qwen2-VL
 * in traces/python/tiny_models.py (one image of 2 x 4 merged patches, one video of 2 temporal patches of 2 x 2, float16,
 * all prefill queries, 2 probes). Regenerate with {@code python traces/python/make_pyarrow_fixture.py --qwen2-vl
 * --overwrite} (byte for byte the same with torch 2.13.0, transformers 5.18.0). The expected layout and M-RoPE positions
 * below are what the model's processor and get_rope_index give (checked against them by test_record_adapters.py).
 */
class PyarrowV2FixtureTest {
    private static final int T = 27;
    private static final Modality X = Modality.TEXT, S = Modality.SPECIAL, I = Modality.IMAGE, V = Modality.VIDEO;
    private static final Modality[] MODALITY = {X, S, I, I, I, I, I, I, I, I, S, X, X, X, X, S, V, V, V, V, V, V, V, V, S, X, X};
    private static final int[] FRAME = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1};
    private static final int[] ROPE_T = {0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 6, 7, 8, 9, 10, 11, 12, 12, 12, 12, 13, 13, 13, 13, 14, 15, 16};
    private static final int[] ROPE_H = {0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 6, 7, 8, 9, 10, 11, 12, 12, 13, 13, 12, 12, 13, 13, 14, 15, 16};
    private static final int[] ROPE_W = {0, 1, 2, 3, 4, 5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 12, 13, 12, 13, 12, 13, 14, 15, 16};
    /** Each query head's accumulated attention sums to T (rows of a softmax); float16 model: relative slack 2^-8. */
    private static final double ROW_SUM_SLACK = 0x1p-8;

    @TempDir Path tmp;

    private static Path fixture() throws URISyntaxException {
        return Path.of(PyarrowV2FixtureTest.class.getResource("/lookm/traces/fixtures/pyarrow-tiny-qwen2-vl/layout.arrow").toURI()).getParent();
    }

    @Test
    void readsTheModalitiesFramesAndMropePositions() throws URISyntaxException {
        try (TraceReader r = TraceReader.open(fixture())) {
            assertEquals(TraceSchema.VERSION_2, r.metadata().version());
            assertEquals("qwen2-vl", r.metadata().architecture());
            assertEquals(TraceSchema.ROPE_AXES_MROPE, r.metadata().ropeAxes());
            assertEquals(T, r.metadata().tokens());
            TokenDetails d = r.layout().details();
            assertArrayEquals(MODALITY, d.modality());
            assertArrayEquals(FRAME, d.frame());
            assertArrayEquals(new int[][] {ROPE_T, ROPE_H, ROPE_W}, d.ropePositions());
            assertEquals("T=27 [text 1, special 1, image#0 8, special 1, text 4, special 1, video#1 8, special 1, text 2]", r.layout().toString());
            for (int l = 0; l < r.metadata().layers(); l++) {
                float[] a = r.layer(l).observation().accumulatedAttention().values();
                for (int h = 0; h < r.metadata().queryHeads(); h++) {
                    double sum = 0;
                    for (int t = 0; t < T; t++) sum += a[h * T + t];
                    assertEquals(T, sum, T * ROW_SUM_SLACK, "layer " + l + ", head " + h);
                }
            }
        }
        ValidationReport report = TraceValidator.validate(fixture());
        assertTrue(report.valid(), report.message());
        assertTrue(report.integrity().contains("verified for 5 of 5 files"), report.integrity());     // sealed by pyarrow's hashlib
    }

    @Test
    void theJavaWriterRewritesItWithTheSameLayout() throws URISyntaxException {
        Path copy = tmp.resolve("copy");
        try (TraceReader r = TraceReader.open(fixture())) {
            List<TraceLayer> layers = new ArrayList<>();
            for (int l = 0; l < r.metadata().layers(); l++) layers.add(r.layer(l));
            TraceWriter.write(copy, r.metadata(), r.layout(), r.tokenIds().orElseThrow(), layers, false);
            try (TraceReader back = TraceReader.open(copy)) {
                assertEquals(r.metadata(), back.metadata());
                assertEquals(r.layout(), back.layout());
                assertArrayEquals(r.tokenIds().orElseThrow(), back.tokenIds().orElseThrow());
            }
        }
    }
}
