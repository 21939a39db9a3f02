package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.traces.ArrowTable;
import lookm.traces.TraceFixtures;
import lookm.traces.schema.AttentionSums;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceSchema;
import lookm.traces.write.IntegrityWriter;
import lookm.traces.write.TraceWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Integrity data (sha256, sizes, rows, batches per file), bounded reads (a lying header is refused by name before
 * anything of its size is allocated) and the semantic checks (attention sums, probe positions across layers).
 */
class IntegrityTest {
    @TempDir Path dir;
    Path trace;

    @BeforeEach
    void writeTrace() { trace = TraceFixtures.write(dir, "trace", CacheDtype.FLOAT16); }

    private static TraceFormatException refused(Path trace) {
        ValidationReport r = TraceValidator.validate(trace);
        assertFalse(r.valid(), "expected a refusal of " + trace);
        return r.problem();
    }

    private static void assertMentions(TraceFormatException e, String... fragments) {
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "message lacks '" + f + "': " + e.getMessage());
    }

    /** Edits one file of the trace in every file of {@code names}, then re-seals (integrity data consistent with the edit). */
    private void edit(List<String> names, Consumer<ArrowTable> change) {
        for (String name : names) {
            ArrowTable t = ArrowTable.read(trace.resolve(name));
            change.accept(t);
            t.write(trace.resolve(name));
        }
        IntegrityWriter.reseal(trace, ArrowTable.read(trace.resolve(TraceSchema.LAYOUT_FILE)).metadata);
    }

    private static final List<String> DATA = List.of(TraceSchema.LAYOUT_FILE, TraceSchema.KV_FILE, TraceSchema.ATTENTION_FILE,
            TraceSchema.QUERIES_FILE, TraceSchema.PROBES_FILE);

    @Test
    void theWriterSealsEveryFileAndValidateVerifiesThemAll() {
        assertTrue(Files.isRegularFile(trace.resolve(TraceSchema.INTEGRITY_FILE)));
        ValidationReport r = TraceValidator.validate(trace);
        assertTrue(r.valid(), r.message());
        assertTrue(r.message().contains("sha256, sizes, rows and batches verified for 5 of 5 files"), r.message());
    }

    @Test
    void aFlippedBitInFloatDataIsRefusedNamingTheFileAndNoDataComesBack() throws IOException {
        Path kv = trace.resolve(TraceSchema.KV_FILE);
        byte[] bytes = Files.readAllBytes(kv);
        bytes[bytes.length / 2] ^= 1;                                          // a low mantissa bit: stays finite
        Files.write(kv, bytes);
        try (TraceReader r = TraceReader.open(trace)) {                     // the file is verified when first read
            TraceFormatException e = assertThrows(TraceFormatException.class, () -> r.kv(0));
            assertMentions(e, "kv.arrow", "sha256 is", "changed after it was written");
            assertThrows(TraceFormatException.class, () -> r.kv(1), "a file that failed its digest never returns data");
            r.attention(0);                                                  // the other files are intact
        }
        assertMentions(refused(trace), "kv.arrow", "sha256");
    }

    @Test
    void aFileSwappedInFromATwinWithTheSameMetadataIsRefused() {
        Path twin = dir.resolve("twin");
        try (TraceReader r = TraceReader.open(trace)) {
            List<TraceLayer> layers = new ArrayList<>();
            for (int l = 0; l < r.metadata().layers(); l++) {
                TraceLayer layer = r.layer(l);
                KvBlock b = layer.block();
                float[] values = b.values().clone();
                values[3] = -values[3] + 1;
                layers.add(new TraceLayer(l, new KvBlock(b.keys(), values, b.heads(), b.tokens(), b.headDim(), b.layout()), layer.observation()));
            }
            TraceWriter.write(twin, r.metadata(), r.layout(), r.tokenIds().orElse(null), layers, false);
        }
        try {
            Files.copy(twin.resolve(TraceSchema.KV_FILE), trace.resolve(TraceSchema.KV_FILE), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertMentions(refused(trace), "kv.arrow", "sha256", "swapped in from another trace");
    }

    @Test
    void aTraceWithoutIntegrityDataStillReadsAndValidateSaysSo() throws IOException {
        Files.delete(trace.resolve(TraceSchema.INTEGRITY_FILE));
        ValidationReport r = TraceValidator.validate(trace);
        assertTrue(r.valid(), r.message());
        assertTrue(r.message().contains("integrity data absent"), r.message());
    }

    @Test
    void theManifestMustAgreeWithTheMetadataAndTheFiles() throws IOException {
        Files.write(trace.resolve(TraceSchema.PROBES_FILE), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertMentions(refused(trace), "probes.arrow", "integrity.arrow records", "truncated, extended or replaced");

        trace = TraceFixtures.write(dir, "other", CacheDtype.FLOAT16);
        Files.delete(trace.resolve(TraceSchema.INTEGRITY_FILE));
        IntegrityWriter.seal(trace, ArrowTable.read(trace.resolve(TraceSchema.LAYOUT_FILE)).metadata, List.of(
                new IntegrityWriter.Written(TraceSchema.LAYOUT_FILE, 32, 1), new IntegrityWriter.Written(TraceSchema.KV_FILE, 127, 4),
                new IntegrityWriter.Written(TraceSchema.ATTENTION_FILE, 256, 2), new IntegrityWriter.Written(TraceSchema.QUERIES_FILE, 32, 2),
                new IntegrityWriter.Written(TraceSchema.PROBES_FILE, 24, 2)));
        assertMentions(refused(trace), "integrity.arrow", "kv.arrow: records 127 rows in 4 batches, the metadata (lookm.model.layers=2 x lookm.model.kv_heads=2 x lookm.trace.tokens=32) implies 128 rows");
    }

    @Test
    void aHeaderClaimingABillionTokensIsRefusedByNameBeforeAllocation() throws IOException {
        edit(DATA, t -> t.metadata.put(TraceSchema.KEY_TOKENS, "1000000000"));
        assertMentions(refused(trace), "integrity.arrow", "layout.arrow: records 32 rows", "(lookm.trace.tokens=1000000000) implies 1000000000 rows");
        Files.delete(trace.resolve(TraceSchema.INTEGRITY_FILE));
        // believed, it would allocate 4 GB for layout.arrow's image ids alone, beyond this test JVM's heap
        assertMentions(refused(trace), "layout.arrow", "lookm.trace.tokens=1000000000", "implies 1000000000 rows", "a metadata field is wrong");
    }

    @Test
    void aHeaderClaimingMoreLayersOrHeadsThanTheFileHoldsIsRefusedNamingTheFields() {
        edit(DATA, t -> t.metadata.put(TraceSchema.KEY_HEAD_DIM, "100000"));
        assertMentions(refused(trace), "kv.arrow", "FixedSizeList(100000)");
        trace = TraceFixtures.write(dir, "more-layers", CacheDtype.FLOAT16);
        edit(List.of(TraceSchema.KV_FILE), t -> {
            t.metadata.put(TraceSchema.KEY_LAYERS, "2");
            t.metadata.put(TraceSchema.KEY_TOKENS, "32");
        });
        assertTrue(TraceValidator.validate(trace).valid(), "the same values are no lie");
    }

    @Test
    void attentionThatDoesNotSumToTIsRefusedNamingLayerAndHead() {
        edit(List.of(TraceSchema.ATTENTION_FILE), t -> {
            List<Object> layer1 = t.columns.get(TraceSchema.COL_ATTENTION).batches.get(1);
            for (int j = 0; j < 32; j++) layer1.set(2 * 32 + j, 0f);           // query head 2 zeroed: sums to 0, finite, >= 0
        });
        assertMentions(refused(trace), "attention.arrow", "layer 1, query_head 2: accumulated attention sums to 0.0, expected T=32");
    }

    @Test
    void theWriterRefusesAttentionThatDoesNotSumToT() {
        var gen = TraceFixtures.generator(CacheDtype.FLOAT32);
        TraceLayer layer = gen.layer(0);
        float[] a = layer.observation().accumulatedAttention().values().clone();
        a[5] += 1;
        TraceLayer bad = new TraceLayer(0, layer.block(), new Observation(new AccumulatedAttention(a, 4, 32),
                layer.observation().prefillQueries(), layer.observation().probeQueries()));
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceWriter.write(dir.resolve("bad"), gen.metadata(), gen.layout(), null, List.of(bad, gen.layer(1)), false));
        assertMentions(e, "attention.arrow", "layer 0, query_head 0: accumulated attention sums to");
        assertFalse(Files.exists(dir.resolve("bad")), "nothing committed");
    }

    @Test
    void theToleranceFollowsTheDerivation() {
        // (5) T·(u + T·η/2 + (2T + 2)·u32): float16 dominated by its rounding of each probability
        assertEquals(864 * (0x1p-11 + 864 * 0x1p-25 + 1730 * 0x1p-24), AttentionSums.tolerance(CacheDtype.FLOAT16, 864), 1e-12);
        assertTrue(AttentionSums.tolerance(CacheDtype.FLOAT32, 864) < AttentionSums.tolerance(CacheDtype.FLOAT16, 864) / 4);
    }

    @Test
    void probePositionsMustBeTheSameInEveryLayer() {
        edit(List.of(TraceSchema.PROBES_FILE), t -> {
            List<Object> positions = t.columns.get(TraceSchema.COL_POSITION).batches.get(1);
            for (int r = 0; r < positions.size(); r++) if (r % 3 == 2) positions.set(r, 40);   // layer 1: 32, 33, 40
        });
        assertMentions(refused(trace), "probes.arrow", "layer 1: probe positions [32, 33, 40] differ from layer 0's [32, 33, 34]");
    }

    @Test
    void noCleanupErrorHidesTheRealOne() throws IOException {
        Files.delete(trace.resolve(TraceSchema.INTEGRITY_FILE));             // raw damage reaches Arrow's decoder
        Path layout = trace.resolve(TraceSchema.LAYOUT_FILE);
        byte[] original = Files.readAllBytes(layout);
        for (int i = 0; i < original.length; i += 7) {
            byte[] bytes = original.clone();
            bytes[i] ^= (byte) 0xff;
            Files.write(layout, bytes);
            ValidationReport r = TraceValidator.validate(trace);
            if (r.valid()) continue;
            assertTrue(r.problem().getMessage().startsWith(layout.toString()) || r.problem().getMessage().contains(".arrow"),
                    () -> "names the file: " + r.problem().getMessage());
            assertFalse(r.problem().getMessage().contains("Memory was leaked"), r.problem().getMessage());
        }
    }
}
