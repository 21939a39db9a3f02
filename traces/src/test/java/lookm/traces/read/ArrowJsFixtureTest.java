package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import org.junit.jupiter.api.Test;

/**
 * Reads a trace written by another Arrow implementation (Apache Arrow JS, traces/fixtures/arrowjs/write_fixture.mjs),
 * whose every value is a closed-form function of its indices.
 */
class ArrowJsFixtureTest {
    private static final int T = 8;

    private static Path fixture() throws URISyntaxException {
        return Path.of(ArrowJsFixtureTest.class.getResource("/lookm/traces/fixtures/arrowjs-tiny/layout.arrow").toURI()).getParent();
    }

    @Test
    void readsTheArrowJsFixtureExactly() throws URISyntaxException {
        try (TraceReader r = TraceReader.open(fixture())) {
            var m = r.metadata();
            assertEquals(CacheDtype.FLOAT16, m.dtype());
            assertTrue(m.source().startsWith("Apache Arrow JS"), m.source());
            assertEquals("T=8 [text 2, image#0 3, text 3]", r.layout().toString());
            assertArrayEquals(new int[] {1, 5, 32000, 32000, 32000, 7, 8, 9}, r.tokenIds().orElseThrow());
            for (int l = 0; l < m.layers(); l++) check(r.layer(l));
        }
    }

    private static void check(TraceLayer layer) {
        int l = layer.layer();
        var b = layer.block();
        for (int h = 0; h < 2; h++)
            for (int t = 0; t < T; t++)
                for (int d = 0; d < 4; d++) {
                    assertEquals((((l * 7 + h * 5 + t * 3 + d) % 11) - 5) / 4f, b.keys()[b.offset(h, t) + d], "key");
                    assertEquals((((l * 3 + h * 2 + t * 5 + d * 7) % 13) - 6) / 8f, b.values()[b.offset(h, t) + d], "value");
                }
        var a = layer.observation().accumulatedAttention();
        for (int h = 0; h < 4; h++)
            for (int t = 0; t < T; t++) assertEquals(1 + ((T - 1) / 2f - t) * (l + h + 1) / 64f, a.at(h, t));
        var q = layer.observation().prefillQueries();
        assertArrayEquals(new int[] {6, 7}, q.positions());
        assertEquals((l + 3 + 1 + 2) / 16f, q.data()[q.offset(3, 1) + 2]);
        var p = layer.observation().probeQueries();
        assertArrayEquals(new int[] {8, 9}, p.positions());
        assertEquals(-(l + 2 + 1 + 3) / 16f, p.data()[p.offset(2, 1) + 3]);
    }

    @Test
    void validatesAndInspects() throws URISyntaxException {
        assertTrue(TraceValidator.validate(fixture()).valid(), TraceValidator.validate(fixture()).message());
        TraceSummary s = TraceInspector.inspect(fixture());
        assertEquals(2, s.layers().size());
    }
}
