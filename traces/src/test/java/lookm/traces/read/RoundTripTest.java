package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.TraceFixtures;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TracePart;
import lookm.traces.write.TraceWriter;
import org.apache.arrow.memory.util.Float16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoundTripTest {
    @TempDir Path dir;

    @Test
    void float32RoundTripIsLossless() {
        var gen = TraceFixtures.generator(CacheDtype.FLOAT32);
        Path trace = gen.write(dir.resolve("t"), false);
        try (TraceReader r = TraceReader.open(trace)) {
            assertEquals(gen.metadata(), r.metadata());
            assertEquals(gen.layout(), r.layout());
            assertArrayEquals(gen.tokenIds(), r.tokenIds().orElseThrow());
            for (int l = 1; l >= 0; l--) TraceFixtures.assertSameLayer(gen.layer(l), r.layer(l));
        }
    }

    @Test
    void float16RoundTripIsExactToHalfRounding() {
        // arbitrary float32 data, written as float16: each value comes back as its float16 rounding
        int h = 2, t = 5, d = 4;
        float[] keys = new float[h * t * d], values = new float[h * t * d];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (float) Math.sin(i * 1.37) * 3.1f;
            values[i] = (float) Math.cos(i * 0.71) / 7f;
        }
        TokenLayout layout = TokenLayout.builder().text(2).image(3).build();
        TraceMetadata meta = TraceMetadata.builder("half", 1, 2, 2, 4, t).dtype(CacheDtype.FLOAT16).tokensPerImage(3).build();
        float[] attention = {1.5f, 1.25f, 1f, 0.75f, 0.5f, 2, 1, 1, 0.5f, 0.5f};
        TraceLayer layer = new TraceLayer(0, new KvBlock(keys, values, h, t, d, layout),
                Observation.ofScores(new AccumulatedAttention(attention, 2, t)));
        TraceWriter.write(dir.resolve("half"), meta, layout, new int[] {1, 5, 32000, 32000, 32000}, List.of(layer), false);
        try (TraceReader r = TraceReader.open(dir.resolve("half"))) {
            TraceLayer back = r.layer(0);
            for (int i = 0; i < keys.length; i++) {
                assertEquals(Float16.toFloat(Float16.toFloat16(keys[i])), back.block().keys()[i], "key " + i);
                assertEquals(Float16.toFloat(Float16.toFloat16(values[i])), back.block().values()[i], "value " + i);
                assertTrue(Math.abs(keys[i] - back.block().keys()[i]) <= Math.ulp(Float16.toFloat(Float16.toFloat16(keys[i]))) * 8192);
            }
            assertArrayEquals(attention, back.observation().accumulatedAttention().values(), "attention is float32: exact");
            assertArrayEquals(new int[] {1, 5, 32000, 32000, 32000}, r.tokenIds().orElseThrow());
            assertNull(back.observation().prefillQueries());
            assertNull(back.observation().probeQueries());
        }
    }

    @Test
    void generatedFloat16LayersReadBackIdentically() {
        var gen = TraceFixtures.generator(CacheDtype.FLOAT16);
        Path trace = gen.write(dir.resolve("t16"), false);
        try (TraceReader r = TraceReader.open(trace)) {
            for (int l = 0; l < 2; l++) TraceFixtures.assertSameLayer(gen.layer(l), r.layer(l));
        }
    }

    @Test
    void readsOnlyTheAskedParts() {
        Path trace = TraceFixtures.write(dir, "t", CacheDtype.FLOAT32);
        try (TraceReader r = TraceReader.open(trace)) {
            TraceLayer layer = r.layer(1, EnumSet.of(TracePart.ATTENTION));
            assertNull(layer.block());
            assertNull(layer.observation().prefillQueries());
            assertEquals(4 * 32, layer.observation().accumulatedAttention().values().length);
            assertEquals(List.of(28, 29, 30, 31), toList(r.prefillQueries(0).orElseThrow().positions()));
            assertEquals(List.of(32, 33, 34), toList(r.probeQueries(0).orElseThrow().positions()));
        }
    }

    private static List<Integer> toList(int[] a) { return java.util.Arrays.stream(a).boxed().toList(); }
}
