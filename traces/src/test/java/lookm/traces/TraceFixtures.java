package lookm.traces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import lookm.spec.tensor.Queries;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SyntheticTraceGenerator;

/** Small seeded traces and content comparisons shared by the tests. */
public final class TraceFixtures {
    private TraceFixtures() {}

    public static final long SEED = 20240626L;

    /** L=2, Hq=4, Hkv=2 (GQA), D=16, text 6 + image 16 + text 10 (T=32), W=4 window queries, P=3 probes. */
    public static SynthConfig small(CacheDtype dtype) {
        return SynthConfig.builder().modelName("tiny-test").shape(2, 4, 2, 16).dtype(dtype).images(16, 6, 10)
                .sinkTokens(2).prefillQueries(4).probes(3).seed(SEED).build();
    }

    public static SyntheticTraceGenerator generator(CacheDtype dtype) { return new SyntheticTraceGenerator(small(dtype)); }

    /** Writes the small trace to dir/name and returns its path. */
    public static Path write(Path dir, String name, CacheDtype dtype) {
        return generator(dtype).write(dir.resolve(name), false);
    }

    /** Element-wise exact equality of two layers (arrays compared by content). */
    public static void assertSameLayer(TraceLayer expected, TraceLayer actual) {
        assertEquals(expected.layer(), actual.layer());
        assertArrayEquals(expected.block().keys(), actual.block().keys(), "keys of layer " + expected.layer());
        assertArrayEquals(expected.block().values(), actual.block().values(), "values of layer " + expected.layer());
        assertEquals(expected.block().layout(), actual.block().layout());
        assertArrayEquals(expected.observation().accumulatedAttention().values(), actual.observation().accumulatedAttention().values());
        assertSameQueries(expected.observation().prefillQueries(), actual.observation().prefillQueries());
        assertSameQueries(expected.observation().probeQueries(), actual.observation().probeQueries());
    }

    public static void assertSameQueries(Queries expected, Queries actual) {
        if (expected == null) {
            assertNull(actual);
            return;
        }
        assertArrayEquals(expected.positions(), actual.positions());
        assertEquals(expected.queryHeads(), actual.queryHeads());
        assertArrayEquals(expected.data(), actual.data());
    }
}
