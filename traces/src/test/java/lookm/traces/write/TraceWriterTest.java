package lookm.traces.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.TraceFixtures;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.synth.SyntheticTraceGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceWriterTest {
    @TempDir Path dir;

    private List<Path> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void refusesToOverwriteAnExistingTrace() throws IOException {
        Path trace = TraceFixtures.write(dir, "t", CacheDtype.FLOAT32);
        long before = Files.size(trace.resolve("kv.arrow"));
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceFixtures.write(dir, "t", CacheDtype.FLOAT16));
        assertTrue(e.getMessage().contains("already exists; refusing to overwrite"), e.getMessage());
        assertEquals(before, Files.size(trace.resolve("kv.arrow")));
        assertEquals(List.of(trace), entries(), "no temporary directory is left behind");
    }

    @Test
    void overwritesWhenAsked() throws IOException {
        Path trace = TraceFixtures.write(dir, "t", CacheDtype.FLOAT32);
        TraceFixtures.generator(CacheDtype.FLOAT16).write(trace, true);
        try (TraceReader r = TraceReader.open(trace)) {
            assertEquals(CacheDtype.FLOAT16, r.metadata().dtype());
        }
        assertEquals(List.of(trace), entries(), "the replaced trace and the temporary directory are gone");
    }

    @Test
    void anIncompleteTraceIsNeverCommitted() throws IOException {
        SyntheticTraceGenerator gen = TraceFixtures.generator(CacheDtype.FLOAT32);
        Path target = dir.resolve("t");
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> {
            try (TraceWriter w = TraceWriter.create(target, gen.metadata(), gen.layout(), null, false)) {
                w.write(gen.layer(0));
            }
        });
        assertTrue(e.getMessage().contains("incomplete: 1 of 2 layers written; nothing was committed"), e.getMessage());
        assertFalse(Files.exists(target));
        assertTrue(entries().isEmpty(), "temporary files deleted: " + entries());
    }

    @Test
    void layersMustComeInOrder() {
        SyntheticTraceGenerator gen = TraceFixtures.generator(CacheDtype.FLOAT32);
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceWriter.write(dir.resolve("t"), gen.metadata(), gen.layout(), null, List.of(gen.layer(1)), false));
        assertTrue(e.getMessage().contains("got layer 1, expected layer 0"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("t")));
    }

    @Test
    void partsMustMatchTheMetadata() {
        SyntheticTraceGenerator gen = TraceFixtures.generator(CacheDtype.FLOAT32);
        TraceLayer layer = gen.layer(0);
        TraceLayer noProbes = new TraceLayer(0, layer.block(), layer.observation().withProbes(null));
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceWriter.write(dir.resolve("t"), gen.metadata(), gen.layout(), null, List.of(noProbes), false));
        assertTrue(e.getMessage().contains("layer 0 has no probe queries but the metadata announces 3"), e.getMessage());
    }

    @Test
    void float16OverflowIsRefusedNamingLayerHeadAndToken() {
        TokenLayout layout = TokenLayout.allText(3);
        float[] keys = new float[2 * 3 * 2];
        keys[(1 * 3 + 2) * 2 + 1] = 70_000f;
        TraceMetadata meta = TraceMetadata.builder("m", 1, 2, 2, 2, 3).dtype(CacheDtype.FLOAT16).build();
        TraceLayer layer = new TraceLayer(0, new KvBlock(keys, new float[12], 2, 3, 2, layout),
                Observation.ofScores(new AccumulatedAttention(new float[6], 2, 3)));
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceWriter.write(dir.resolve("t"), meta, layout, null, List.of(layer), false));
        assertTrue(e.getMessage().contains("layer 0, kv_head 1, token 2: key value overflows float16"), e.getMessage());
    }

    @Test
    void aLayoutThatDoesNotCoverTheTokensIsRefused() {
        TraceMetadata meta = TraceMetadata.builder("m", 1, 2, 2, 2, 4).build();
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceWriter.create(dir.resolve("t"), meta, TokenLayout.allText(3), null, false));
        assertTrue(e.getMessage().contains("the layout covers 3 tokens, the metadata says T=4"), e.getMessage());
    }
}
