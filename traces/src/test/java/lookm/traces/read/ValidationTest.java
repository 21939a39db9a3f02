package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import lookm.traces.ArrowTable;
import lookm.traces.TraceFixtures;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceSchema;
import lookm.traces.write.IntegrityWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every validation error, each provoked by a damaged file; messages must name file, layer, head and token. Edits
 * through {@link #damage} re-seal the integrity data, as a buggy writer would: the structural and semantic checks
 * must catch what a checksum cannot. Raw byte damage is tested on a trace without integrity data (v1 as first
 * written) for the structural checks, and with it in IntegrityTest.
 */
class ValidationTest {
    @TempDir Path dir;
    Path trace;

    @BeforeEach
    void writeTrace() { trace = TraceFixtures.write(dir, "trace", CacheDtype.FLOAT32); }

    /** Edits one file of the trace in place, then re-seals the integrity data over the edited files. */
    private void damage(String file, Consumer<ArrowTable> edit) {
        ArrowTable t = ArrowTable.read(trace.resolve(file));
        edit.accept(t);
        t.write(trace.resolve(file));
        IntegrityWriter.reseal(trace, ArrowTable.read(trace.resolve(TraceSchema.LAYOUT_FILE)).metadata);
    }

    /** Removes the integrity data: the trace is then as v1 traces were first written, checked by structure alone. */
    private void withoutIntegrity() throws IOException {
        Files.delete(trace.resolve(TraceSchema.INTEGRITY_FILE));
    }

    /** Opens the trace and reads every layer (what validation does), expecting a message with every fragment. */
    private void assertRejected(String... fragments) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceValidator.validate(trace).throwIfInvalid());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "message lacks '" + f + "': " + e.getMessage());
    }

    @Test
    void rejectsAWrongVersion() {
        damage(TraceSchema.KV_FILE, t -> t.metadata.put(TraceSchema.KEY_VERSION, "0"));
        assertRejected("kv.arrow", "trace version '0' is not supported", "reads versions 1 and 2");
    }

    @Test
    void rejectsAMissingVersion() {
        damage(TraceSchema.LAYOUT_FILE, t -> t.metadata.remove(TraceSchema.KEY_VERSION));
        assertRejected("layout.arrow", "no 'lookm.trace.version'");
    }

    @Test
    void rejectsAMissingColumn() {
        damage(TraceSchema.KV_FILE, t -> t.columns.remove(TraceSchema.COL_VALUE));
        assertRejected("kv.arrow", "missing column 'value'");
    }

    @Test
    void rejectsAMistypedColumn() {
        damage(TraceSchema.ATTENTION_FILE, t -> t.columns.get(TraceSchema.COL_ATTENTION).type = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
        assertRejected("attention.arrow", "column 'accumulated_attention' has type FloatingPoint(DOUBLE)", "expected FloatingPoint(SINGLE)");
    }

    @Test
    void rejectsAVectorOfTheWrongWidth() {
        damage(TraceSchema.KV_FILE, t -> {
            ArrowTable.Column key = t.columns.get(TraceSchema.COL_KEY);
            key.type = new ArrowType.FixedSizeList(17);
            for (List<Object> b : key.batches) b.replaceAll(cell -> java.util.Arrays.copyOf((float[]) cell, 17));
        });
        assertRejected("kv.arrow", "column 'key' has type FixedSizeList(17)", "expected FixedSizeList(16)");
    }

    @Test
    void rejectsABatchShorterThanTheMetadataSays() throws IOException {
        damage(TraceSchema.KV_FILE, t -> t.columns.values().forEach(c -> c.batches.get(3).remove(31)));
        withoutIntegrity();                                     // else integrity.arrow's row counts refuse it first (IntegrityTest)
        assertRejected("kv.arrow", "layer 1, kv_head 1", "31 rows, the metadata implies 32");
    }

    @Test
    void rejectsMissingLayers() throws IOException {
        damage(TraceSchema.ATTENTION_FILE, t -> t.columns.values().forEach(c -> c.batches.remove(1)));
        withoutIntegrity();                                     // else integrity.arrow's row counts refuse it first (IntegrityTest)
        assertRejected("attention.arrow", "has 1 record batches, expected 2");
    }

    @Test
    void rejectsMetadataThatDisagreesWithTheData() {
        for (String f : List.of(TraceSchema.LAYOUT_FILE, TraceSchema.KV_FILE, TraceSchema.ATTENTION_FILE, TraceSchema.QUERIES_FILE, TraceSchema.PROBES_FILE))
            damage(f, t -> t.metadata.put(TraceSchema.KEY_HEAD_DIM, "8"));
        assertRejected("kv.arrow", "column 'key' has type FixedSizeList(16)", "expected FixedSizeList(8)");
    }

    @Test
    void rejectsFilesFromDifferentTraces() {
        damage(TraceSchema.ATTENTION_FILE, t -> t.metadata.put(TraceSchema.KEY_MODEL, "another-model"));
        assertRejected("attention.arrow", "disagrees with layout.arrow");
    }

    @Test
    void rejectsNaNNamingLayerHeadAndToken() {
        damage(TraceSchema.KV_FILE, t -> ((float[]) t.columns.get(TraceSchema.COL_KEY).batches.get(3).get(7))[5] = Float.NaN);
        assertRejected("kv.arrow", "layer 1, kv_head 1, token 7", "column 'key' has NaN at element 5");
    }

    @Test
    void rejectsInfinityInAttentionNamingQueryHeadAndToken() {
        damage(TraceSchema.ATTENTION_FILE, t -> t.columns.get(TraceSchema.COL_ATTENTION).batches.get(0).set(2 * 32 + 9, Float.POSITIVE_INFINITY));
        assertRejected("attention.arrow", "layer 0, query_head 2, token 9", "Infinity");
    }

    @Test
    void rejectsNegativeAttention() {
        damage(TraceSchema.ATTENTION_FILE, t -> t.columns.get(TraceSchema.COL_ATTENTION).batches.get(1).set(3, -0.5f));
        assertRejected("attention.arrow", "layer 1, query_head 0, token 3", ">= 0");
    }

    @Test
    void rejectsNaNInProbeQueries() {
        damage(TraceSchema.PROBES_FILE, t -> ((float[]) t.columns.get(TraceSchema.COL_QUERY).batches.get(1).get(4))[0] = Float.NaN);
        assertRejected("probes.arrow", "layer 1, query_head 1, row 1", "NaN");
    }

    @Test
    void rejectsALayoutThatDoesNotCoverTheTokens() throws IOException {
        damage(TraceSchema.LAYOUT_FILE, t -> t.columns.values().forEach(c -> c.batches.get(0).remove(31)));
        withoutIntegrity();                                     // else integrity.arrow's row counts refuse it first (IntegrityTest)
        assertRejected("layout.arrow", "covers 31 tokens, the metadata says T=32");
    }

    @Test
    void rejectsAnImageOfTheWrongSize() {
        damage(TraceSchema.LAYOUT_FILE, t -> {
            t.columns.get(TraceSchema.COL_MODALITY).batches.get(0).set(6, "text");
            t.columns.get(TraceSchema.COL_IMAGE_INDEX).batches.get(0).set(6, -1);
        });
        assertRejected("layout.arrow", "image 0 covers tokens [7, 22) = 15 tokens", "16 tokens per image");
    }

    @Test
    void rejectsAnUnknownModality() {
        damage(TraceSchema.LAYOUT_FILE, t -> t.columns.get(TraceSchema.COL_MODALITY).batches.get(0).set(3, "audio"));
        assertRejected("layout.arrow", "token 3: modality 'audio'");
    }

    @Test
    void rejectsRowsOutOfOrder() {
        damage(TraceSchema.KV_FILE, t -> t.columns.get(TraceSchema.COL_POSITION).batches.get(2).set(5, 6));
        assertRejected("kv.arrow", "layer 1, kv_head 0, token 5", "column 'position' is 6, expected 5");
    }

    @Test
    void rejectsATruncatedFile() throws IOException {
        withoutIntegrity();
        Path kv = trace.resolve(TraceSchema.KV_FILE);
        byte[] bytes = Files.readAllBytes(kv);
        Files.write(kv, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertRejected("kv.arrow", "truncated or corrupt");
    }

    @Test
    void rejectsCorruptBytes() throws IOException {
        withoutIntegrity();
        Path attention = trace.resolve(TraceSchema.ATTENTION_FILE);
        byte[] bytes = Files.readAllBytes(attention);
        for (int i = bytes.length - 200; i < bytes.length - 10; i++) bytes[i] = (byte) 0xA5;   // the footer
        Files.write(attention, bytes);
        assertRejected("attention.arrow", "truncated or corrupt");
    }

    @Test
    void rejectsAFileThatIsNotArrow() throws IOException {
        withoutIntegrity();
        Files.writeString(trace.resolve(TraceSchema.LAYOUT_FILE), "position,modality\n0,text\n");
        assertRejected("layout.arrow", "not a readable Arrow IPC file");
    }

    @Test
    void rejectsAMissingFile() throws IOException {
        withoutIntegrity();
        Files.delete(trace.resolve(TraceSchema.PROBES_FILE));
        assertRejected("probes.arrow", "missing", "3 probe queries");
    }

    @Test
    void rejectsAPathThatIsNotATraceDirectory() {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceReader.open(trace.resolve(TraceSchema.KV_FILE)));
        assertTrue(e.getMessage().contains("is a file; a trace is a directory"), e.getMessage());
        e = assertThrows(TraceFormatException.class, () -> TraceReader.open(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("no such trace directory"), e.getMessage());
    }
}
