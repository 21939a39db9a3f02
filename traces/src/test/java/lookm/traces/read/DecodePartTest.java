package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import lookm.traces.ArrowTable;
import lookm.traces.TraceFixtures;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.DecodeTokens;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceSchema;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SyntheticTraceGenerator;
import lookm.traces.write.IntegrityWriter;
import lookm.traces.write.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decode part (FORMAT.md, "Decode part"): written, read back exactly, validated like the prefill part, and one
 * mutation per field refused with a message naming the file and the layer / head / token (or the metadata key).
 */
class DecodePartTest {
    private static final int LAYERS = 2, KV_HEADS = 2, STEPS = 4, T = 40;

    @TempDir Path dir;
    private int written;

    private SyntheticTraceGenerator generator(boolean decode) {
        return new SyntheticTraceGenerator(SynthConfig.builder().modelName("decode-test").shape(LAYERS, 4, KV_HEADS, 16).dtype(CacheDtype.FLOAT16)
                .images(16, 8, T - 24).prefillQueries(4).probes(STEPS).decode(decode).seed(TraceFixtures.SEED).build());
    }

    private Path write() { return generator(true).write(dir.resolve("t" + written++), false); }

    /** Edits one file and re-seals: the field check must catch it, not the digest. */
    private static void damage(Path trace, String file, Consumer<ArrowTable> edit) {
        ArrowTable t = ArrowTable.read(trace.resolve(file));
        edit.accept(t);
        t.write(trace.resolve(file));
        IntegrityWriter.reseal(trace, ArrowTable.read(trace.resolve(TraceSchema.LAYOUT_FILE)).metadata);
    }

    private static void assertRejected(Path trace, String... fragments) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceValidator.validate(trace).throwIfInvalid());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "message lacks '" + f + "': " + e.getMessage());
    }

    private void rejectsDecodeEdit(Consumer<ArrowTable> edit, String... fragments) {
        Path trace = write();
        damage(trace, TraceSchema.DECODE_FILE, edit);
        assertRejected(trace, fragments);
    }

    /** Row of (kv head h, generated token s) inside layer l's batch. */
    private static int row(int h, int s) { return h * STEPS + s; }

    @Test
    void readsTheGeneratedTokensBackExactly() {
        SyntheticTraceGenerator g = generator(true);
        Path trace = g.write(dir.resolve("exact"), false);
        assertTrue(TraceValidator.validate(trace).valid());
        try (TraceReader r = TraceReader.open(trace)) {
            assertEquals(STEPS, r.metadata().decodeSteps());
            for (int l = 0; l < LAYERS; l++) {
                DecodeTokens want = g.layer(l).decode(), got = r.decode(l).orElseThrow();
                assertArrayEquals(want.keys(), got.keys(), "layer " + l + " keys");
                assertArrayEquals(want.values(), got.values(), "layer " + l + " values");
                assertEquals(T, got.firstPosition());
                assertArrayEquals(new int[] {T, T + 1, T + 2, T + 3}, r.probeQueries(l).orElseThrow().positions());
                assertEquals(got.keys().length, r.layer(l).decode().keys().length);
            }
            assertTrue(r.integrityStatus().contains("6 of 6"), r.integrityStatus());
        }
    }

    @Test
    void aTraceWithoutADecodePartReadsAsBeforeAndHasNoDecodeKeys() {
        Path trace = generator(false).write(dir.resolve("plain"), false);
        assertFalse(Files.exists(trace.resolve(TraceSchema.DECODE_FILE)));
        assertFalse(ArrowTable.read(trace.resolve(TraceSchema.KV_FILE)).metadata.containsKey(TraceSchema.KEY_DECODE_STEPS));
        assertFalse(ArrowTable.read(trace.resolve(TraceSchema.KV_FILE)).metadata.containsKey(TraceSchema.KEY_DECODE_VERSION));
        try (TraceReader r = TraceReader.open(trace)) {
            assertTrue(r.decode(0).isEmpty());
            assertNull(r.layer(0).decode());
        }
    }

    @Test
    void rejectsAMissingDecodeFile() throws IOException {
        Path trace = write();
        Files.delete(trace.resolve(TraceSchema.DECODE_FILE));
        assertRejected(trace, TraceSchema.DECODE_FILE, "missing");
        Files.delete(trace.resolve(TraceSchema.INTEGRITY_FILE));                // unsealed: the reader's own announcement check
        assertRejected(trace, TraceSchema.DECODE_FILE, "missing", TraceSchema.KEY_DECODE_STEPS + "=" + STEPS);
    }

    @Test
    void rejectsAFlippedBitInTheSealedDecodeFile() throws IOException {
        Path trace = write();
        try (RandomAccessFile f = new RandomAccessFile(trace.resolve(TraceSchema.DECODE_FILE).toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 1);
        }
        assertRejected(trace, TraceSchema.DECODE_FILE, "sha256");
    }

    @Test
    void rejectsAWrongLayerColumn() {
        rejectsDecodeEdit(t -> t.columns.get(TraceSchema.COL_LAYER).batches.get(1).set(row(1, 2), 0), TraceSchema.DECODE_FILE,
                "layer 1, kv_head 1, token " + (T + 2), "'layer'");
    }

    @Test
    void rejectsAWrongKvHeadColumn() {
        rejectsDecodeEdit(t -> t.columns.get(TraceSchema.COL_KV_HEAD).batches.get(0).set(row(0, 3), 1), TraceSchema.DECODE_FILE,
                "layer 0, kv_head 0, token " + (T + 3), "'kv_head'");
    }

    @Test
    void rejectsAWrongPosition() {
        rejectsDecodeEdit(t -> t.columns.get(TraceSchema.COL_POSITION).batches.get(0).set(row(1, 0), T - 1), TraceSchema.DECODE_FILE,
                "layer 0, kv_head 1, token " + T, "'position'");
    }

    @Test
    void rejectsANonFiniteKeyOrValue() {
        rejectsDecodeEdit(t -> ((float[]) t.columns.get(TraceSchema.COL_KEY).batches.get(1).get(row(0, 1)))[5] = Float.NaN,
                TraceSchema.DECODE_FILE, "layer 1, kv_head 0, token " + (T + 1), "'key'", "element 5");
        rejectsDecodeEdit(t -> ((float[]) t.columns.get(TraceSchema.COL_VALUE).batches.get(0).get(row(1, 3)))[0] = Float.POSITIVE_INFINITY,
                TraceSchema.DECODE_FILE, "layer 0, kv_head 1, token " + (T + 3), "'value'");
    }

    @Test
    void rejectsAMissingRowOrBatchSealedOrNot() throws IOException {
        Path row = write(), batch = write();
        damage(row, TraceSchema.DECODE_FILE, t -> t.columns.values().forEach(c -> c.batches.get(0).remove(row(1, 3))));
        damage(batch, TraceSchema.DECODE_FILE, t -> t.columns.values().forEach(c -> c.batches.remove(1)));
        assertRejected(row, TraceSchema.DECODE_FILE, TraceSchema.KEY_DECODE_STEPS + "=" + STEPS, "rows");       // the manifest's count
        assertRejected(batch, TraceSchema.DECODE_FILE, "1 batches");
        Files.delete(row.resolve(TraceSchema.INTEGRITY_FILE));                                                 // the reader's own checks
        Files.delete(batch.resolve(TraceSchema.INTEGRITY_FILE));
        assertRejected(row, TraceSchema.DECODE_FILE, "layer 0", "rows, the metadata implies " + KV_HEADS * STEPS);
        assertRejected(batch, TraceSchema.DECODE_FILE, "has 1 record batches, expected " + LAYERS);
    }

    @Test
    void rejectsAColumnOfAnotherType() {
        rejectsDecodeEdit(t -> t.columns.get(TraceSchema.COL_VALUE).element = CacheDtype.FLOAT32.arrowType(), TraceSchema.DECODE_FILE,
                "column 'value' has type");
    }

    @Test
    void rejectsDecodeMetadataThatLies() {
        Path steps = write();
        for (String f : List.of(TraceSchema.LAYOUT_FILE, TraceSchema.KV_FILE, TraceSchema.ATTENTION_FILE, TraceSchema.QUERIES_FILE,
                TraceSchema.PROBES_FILE, TraceSchema.DECODE_FILE))
            damage(steps, f, t -> t.metadata.put(TraceSchema.KEY_DECODE_STEPS, Integer.toString(STEPS - 1)));
        assertRejected(steps, TraceSchema.LAYOUT_FILE, "decodeSteps = " + (STEPS - 1) + " needs probes = " + (STEPS - 1));
        Path version = write();
        damage(version, TraceSchema.LAYOUT_FILE, t -> t.metadata.put(TraceSchema.KEY_DECODE_VERSION, "2"));
        assertRejected(version, TraceSchema.LAYOUT_FILE, "decode part version '2'");
        Path half = write();
        damage(half, TraceSchema.DECODE_FILE, t -> t.metadata.remove(TraceSchema.KEY_DECODE_VERSION));
        assertRejected(half, TraceSchema.DECODE_FILE, "without '" + TraceSchema.KEY_DECODE_VERSION + "'");
        Path other = write();
        damage(other, TraceSchema.DECODE_FILE, t -> {
            t.metadata.remove(TraceSchema.KEY_DECODE_VERSION);
            t.metadata.remove(TraceSchema.KEY_DECODE_STEPS);
        });
        assertRejected(other, TraceSchema.DECODE_FILE, "disagrees with layout.arrow");
    }

    @Test
    void rejectsProbesThatAreNotTheGeneratedTokens() {
        Path trace = write();
        damage(trace, TraceSchema.PROBES_FILE, t -> {
            List<Object> positions = t.columns.get(TraceSchema.COL_POSITION).batches.get(0);
            for (int r = STEPS - 1; r < positions.size(); r += STEPS) positions.set(r, T + STEPS);   // ascending, but skips T + 3
        });
        assertRejected(trace, TraceSchema.PROBES_FILE, "layer 0, row " + (STEPS - 1), "decode part");
    }

    @Test
    void theWriterRefusesALayerWithoutItsAnnouncedDecodePartAndOneThatCarriesAnUnannouncedOne() {
        SyntheticTraceGenerator with = generator(true), without = generator(false);
        TraceLayer full = with.layer(0);
        try (TraceWriter w = TraceWriter.create(dir.resolve("w1"), with.metadata(), with.layout(), null, false)) {
            TraceFormatException e = assertThrows(TraceFormatException.class, () -> w.write(new TraceLayer(0, full.block(), full.observation())));
            assertTrue(e.getMessage().contains("no decode part"), e.getMessage());
        } catch (TraceFormatException incomplete) {
            assertTrue(incomplete.getMessage().contains("incomplete"), incomplete.getMessage());
        }
        try (TraceWriter w = TraceWriter.create(dir.resolve("w2"), without.metadata(), without.layout(), null, false)) {
            TraceFormatException e = assertThrows(TraceFormatException.class, () -> w.write(full));
            assertTrue(e.getMessage().contains("decodeSteps = 0"), e.getMessage());
        } catch (TraceFormatException incomplete) {
            assertTrue(incomplete.getMessage().contains("incomplete"), incomplete.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("w1")));
        assertFalse(Files.exists(dir.resolve("w2")));
    }
}
