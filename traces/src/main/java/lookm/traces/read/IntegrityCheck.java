package lookm.traces.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import lookm.traces.schema.FileIntegrity;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TraceSchema;
import lookm.traces.write.IntegrityWriter;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The trace's integrity data (integrity.arrow), checked in two steps. At open, cheaply: the manifest belongs to this
 * trace (same metadata), lists exactly the files the metadata announces, with the rows and batches the metadata
 * implies and the sizes on disk. Lazily, once per file, before its first record batch is decoded: the file's
 * record batch count and its sha256, streamed. A file whose digest failed never returns data: every later read of
 * it fails with the same message. A trace without integrity.arrow (written before it existed) reads as before.
 */
final class IntegrityCheck {
    /** sha256 in hex. */
    private static final int SHA256_HEX_DIGITS = 64;

    private final Path manifest;
    private final Map<String, FileIntegrity> entries;
    private final Map<String, TraceFormatException> failures = new LinkedHashMap<>();
    private int verified;

    private IntegrityCheck(Path manifest, Map<String, FileIntegrity> entries) {
        this.manifest = manifest;
        this.entries = entries;
    }

    /** Reads and cross-checks dir/integrity.arrow; absent when the trace has none. */
    static IntegrityCheck open(Path dir, TraceMetadata meta, BufferAllocator allocator) {
        Path file = dir.resolve(TraceSchema.INTEGRITY_FILE);
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return new IntegrityCheck(file, null);
        Map<String, FileIntegrity> entries = new LinkedHashMap<>();
        try (ArrowSource s = new ArrowSource(file, allocator)) {
            SourceChecks.sameTrace(s, meta);
            String algorithm = s.schema().getCustomMetadata().get(TraceSchema.KEY_INTEGRITY_ALGORITHM);
            if (!TraceSchema.INTEGRITY_ALGORITHM.equals(algorithm))
                throw TraceFormatException.in(file, "metadata '" + TraceSchema.KEY_INTEGRITY_ALGORITHM + "' is '" + algorithm
                        + "', this reader verifies '" + TraceSchema.INTEGRITY_ALGORITHM + "'");
            for (org.apache.arrow.vector.types.pojo.Field f : TraceSchema.integrity(Map.of()).getFields())
                s.requireColumn(f.getName(), f.getType(), null);
            for (int b = 0; b < s.batchCount(); b++) readBatch(file, s.loadAny(b, "record batch " + b), entries);
        }
        requireListed(file, entries, meta);
        for (FileIntegrity e : entries.values()) {
            Path data = dir.resolve(e.file());
            if (Files.isDirectory(data)) throw TraceFormatException.in(data, "is a directory, expected an Arrow IPC file");
            if (!Files.isRegularFile(data))
                throw TraceFormatException.in(data, "missing: " + TraceSchema.INTEGRITY_FILE + " lists it and the metadata announces it");
            long size = size(data);
            if (size != e.bytes())
                throw TraceFormatException.in(data, "is " + size + " bytes, " + TraceSchema.INTEGRITY_FILE + " records " + e.bytes()
                        + ": truncated, extended or replaced after it was written");
        }
        return new IntegrityCheck(file, entries);
    }

    private static void readBatch(Path file, VectorSchemaRoot root, Map<String, FileIntegrity> entries) {
        for (int r = 0; r < root.getRowCount(); r++) {
            FileIntegrity e = FileIntegrity.read(root, r);
            if (!TraceSchema.DATA_FILES.contains(e.file()))
                throw TraceFormatException.in(file, "row " + r + " lists '" + e.file() + "', not a file of a trace (" + TraceSchema.DATA_FILES + ")");
            if (!e.sha256().matches("[0-9a-f]{" + SHA256_HEX_DIGITS + "}"))
                throw TraceFormatException.in(file, e.file() + ": sha256 '" + e.sha256() + "' is not " + SHA256_HEX_DIGITS + " lower-case hex digits");
            if (entries.put(e.file(), e) != null) throw TraceFormatException.in(file, "lists '" + e.file() + "' twice");
        }
    }

    /** Rows and batches (-1: any) the metadata implies for one file, and the metadata fields they come from. */
    private record Expected(long rows, long batches, String fields) {}

    /** Exactly the files the metadata announces, each with the rows and batches the metadata implies. */
    private static void requireListed(Path file, Map<String, FileIntegrity> entries, TraceMetadata meta) {
        long t = meta.tokens(), l = meta.layers(), hq = meta.queryHeads();
        String tokens = TraceSchema.KEY_TOKENS + "=" + t, layers = TraceSchema.KEY_LAYERS + "=" + l;
        String heads = layers + " x " + TraceSchema.KEY_QUERY_HEADS + "=" + hq + " x ";
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put(TraceSchema.LAYOUT_FILE, new Expected(t, -1, tokens));
        expected.put(TraceSchema.KV_FILE, new Expected(l * meta.kvHeads() * t, l * meta.kvHeads(),
                layers + " x " + TraceSchema.KEY_KV_HEADS + "=" + meta.kvHeads() + " x " + tokens));
        expected.put(TraceSchema.ATTENTION_FILE, new Expected(l * hq * t, l, heads + tokens));
        if (meta.hasPrefillQueries()) expected.put(TraceSchema.QUERIES_FILE, new Expected(l * hq * meta.prefillQueries(), l,
                heads + TraceSchema.KEY_PREFILL_QUERIES + "=" + meta.prefillQueries()));
        if (meta.hasProbes()) expected.put(TraceSchema.PROBES_FILE, new Expected(l * hq * meta.probes(), l,
                heads + TraceSchema.KEY_PROBES + "=" + meta.probes()));
        if (meta.hasDecode()) expected.put(TraceSchema.DECODE_FILE, new Expected(l * meta.kvHeads() * meta.decodeSteps(), l,
                layers + " x " + TraceSchema.KEY_KV_HEADS + "=" + meta.kvHeads() + " x " + TraceSchema.KEY_DECODE_STEPS + "=" + meta.decodeSteps()));
        if (!entries.keySet().equals(expected.keySet()))
            throw TraceFormatException.in(file, "lists " + entries.keySet() + ", the metadata announces " + expected.keySet());
        for (FileIntegrity e : entries.values()) {
            Expected want = expected.get(e.file());
            if (e.rows() != want.rows() || (want.batches() >= 0 && e.batches() != want.batches()))
                throw TraceFormatException.in(file, e.file() + ": records " + e.rows() + " rows in " + e.batches() + " batches, the metadata ("
                        + want.fields() + ") implies " + want.rows() + " rows" + (want.batches() >= 0 ? " in " + want.batches() + " batches" : ""));
        }
    }

    boolean present() { return entries != null; }

    /**
     * Makes {@code source} verify itself before its first record batch is decoded: batch count and sha256 against
     * the manifest. Nothing happens for a trace without integrity data.
     */
    void attach(ArrowSource source) {
        if (entries == null) return;
        String name = source.file().getFileName().toString();
        FileIntegrity e = entries.get(name);
        source.beforeFirstLoad(() -> verify(source, e));
    }

    private void verify(ArrowSource source, FileIntegrity e) {
        TraceFormatException failed = failures.get(e.file());
        if (failed != null) throw failed;
        if (source.batchCount() != e.batches()) fail(source.file(), e, "has " + source.batchCount() + " record batches, "
                + TraceSchema.INTEGRITY_FILE + " records " + e.batches());
        String actual = IntegrityWriter.sha256(source.file());
        if (!actual.equals(e.sha256())) fail(source.file(), e, "sha256 is " + actual + ", " + TraceSchema.INTEGRITY_FILE + " records "
                + e.sha256() + ": the file was changed after it was written (corrupted, or swapped in from another trace)");
        verified++;
    }

    private void fail(Path file, FileIntegrity e, String detail) {
        TraceFormatException x = TraceFormatException.in(file, detail);
        failures.put(e.file(), x);
        throw x;
    }

    /** A line for validate: what the integrity data covered. */
    String describe() {
        if (entries == null) return "integrity data absent (no " + TraceSchema.INTEGRITY_FILE + "): written before v1 traces carried it;"
                + " a corrupted float that stays finite cannot be detected";
        return "sha256, sizes, rows and batches verified for " + verified + " of " + entries.size() + " files (" + manifest.getFileName() + ")";
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw TraceFormatException.in(file, "cannot read its size", e);
        }
    }
}
