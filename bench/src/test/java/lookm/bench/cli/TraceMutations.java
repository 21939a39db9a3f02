package lookm.bench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import lookm.traces.schema.TraceSchema;
import lookm.traces.write.IntegrityWriter;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The deterministic mutations of a trace directory used by {@link TraceMutationSuiteTest}: raw byte damage
 * (truncate, flip, zero, NaN/Inf patterns), file-level damage (empty, missing, a directory, symlinks, files swapped
 * in from other traces) and Arrow-level rewrites (batches reordered, schema metadata and column names edited),
 * each rewrite also "re-sealed" (integrity data recomputed over the damage, as a buggy writer would leave it).
 */
final class TraceMutations {
    private TraceMutations() {}

    /** What kind of damage, for the summary. */
    enum Kind { TRUNCATE, FLIP, ZERO, NAN_INF, FILE, SWAP, SYMLINK, REORDER, METADATA, SCHEMA }

    /**
     * A named mutation of the trace directory it is given (a fresh copy of the base trace).
     *
     * @param becomesTwin the mutation makes the directory byte for byte the twin trace (a valid trace): its result
     *                    must then be the twin's
     */
    record Mutant(String name, Kind kind, Mutation apply, boolean becomesTwin) {
        Mutant(String name, Kind kind, Mutation apply) { this(name, kind, apply, false); }
    }

    @FunctionalInterface
    interface Mutation { void apply(Path trace) throws IOException; }

    /** Traces the swaps take files from: a different trace (other metadata) and a twin (same metadata, other data). */
    record Donors(Path sibling, Path twin) {}

    static final List<String> FILES = List.of(TraceSchema.LAYOUT_FILE, TraceSchema.KV_FILE, TraceSchema.ATTENTION_FILE,
            TraceSchema.QUERIES_FILE, TraceSchema.PROBES_FILE, TraceSchema.DECODE_FILE, TraceSchema.INTEGRITY_FILE);
    /** Files with one batch per layer or per (layer, head): reordering them is meaningful. */
    private static final List<String> BATCHED = List.of(TraceSchema.KV_FILE, TraceSchema.ATTENTION_FILE, TraceSchema.QUERIES_FILE,
            TraceSchema.PROBES_FILE, TraceSchema.DECODE_FILE);
    private static final double[] TRUNCATE_AT = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99};
    private static final int[] TRUNCATE_LAST = {1, 4, 16};
    private static final int FLIPS_PER_FILE = 16;
    private static final int ZEROS_PER_FILE = 6;
    private static final int ZERO_SMALL = 64, ZERO_LARGE = 1024;
    private static final int NAN_PER_FILE = 4;
    /** float32 quiet NaN, little-endian; read as float16 it is 0x0000 then 0x7fc0, a float16 NaN. */
    private static final int FLOAT32_NAN = 0x7fc00000;
    /** float16 +Inf twice, little-endian. */
    private static final int FLOAT16_INF_PAIR = 0x7c007c00;
    private static final String HUGE = "1000000000";

    /** Every mutant of the suite, in a fixed order. */
    static List<Mutant> all(Path base, Donors donors) throws IOException {
        List<Mutant> m = new ArrayList<>();
        m.add(new Mutant("unchanged copy", Kind.FILE, t -> {}));
        m.add(new Mutant("an unknown extra file", Kind.FILE, t -> Files.writeString(t.resolve("notes.txt"), "hello")));
        for (String f : FILES) {
            long size = Files.size(base.resolve(f));
            for (double at : TRUNCATE_AT) m.add(new Mutant(f + " truncated to " + at, Kind.TRUNCATE, t -> truncate(t.resolve(f), (long) (size * at))));
            for (int last : TRUNCATE_LAST) m.add(new Mutant(f + " minus its last " + last + " bytes", Kind.TRUNCATE, t -> truncate(t.resolve(f), size - last)));
            for (int i = 0; i < FLIPS_PER_FILE; i++) {
                long pos = (long) ((i + 0.5) * size / FLIPS_PER_FILE);
                int bit = i % Byte.SIZE;
                m.add(new Mutant(f + " bit " + bit + " of byte " + pos + " flipped", Kind.FLIP, t -> flip(t.resolve(f), pos, bit)));
            }
            for (int i = 0; i < ZEROS_PER_FILE; i++) {
                long pos = (long) ((i + 0.5) * size / ZEROS_PER_FILE);
                m.add(new Mutant(f + " " + ZERO_SMALL + " bytes zeroed at " + pos, Kind.ZERO, t -> fill(t.resolve(f), pos, ZERO_SMALL, (byte) 0)));
            }
            m.add(new Mutant(f + " " + ZERO_LARGE + " bytes zeroed mid-file", Kind.ZERO, t -> fill(t.resolve(f), size / 2, ZERO_LARGE, (byte) 0)));
            if (!f.equals(TraceSchema.INTEGRITY_FILE))
                for (int i = 0; i < NAN_PER_FILE; i++) {
                    long pos = (long) ((i + 0.5) * size / NAN_PER_FILE) & ~3L;
                    int pattern = i % 2 == 0 ? FLOAT32_NAN : FLOAT16_INF_PAIR;
                    m.add(new Mutant(f + (i % 2 == 0 ? " NaN" : " Inf") + " written at " + pos, Kind.NAN_INF, t -> putInt(t.resolve(f), pos, pattern)));
                }
            m.add(new Mutant(f + " emptied", Kind.FILE, t -> Files.write(t.resolve(f), new byte[0])));
            m.add(new Mutant(f + " deleted", Kind.FILE, t -> Files.delete(t.resolve(f))));
            m.add(new Mutant(f + " replaced by a directory", Kind.FILE, t -> {
                Files.delete(t.resolve(f));
                Files.createDirectory(t.resolve(f));
            }));
            m.add(new Mutant(f + " a dangling symlink", Kind.SYMLINK, t -> {
                Files.delete(t.resolve(f));
                Files.createSymbolicLink(t.resolve(f), t.resolve("nowhere-" + f));
            }));
            m.add(new Mutant(f + " a symlink to the same bytes", Kind.SYMLINK, t -> {
                Files.delete(t.resolve(f));
                Files.createSymbolicLink(t.resolve(f), base.resolve(f));
            }));
            m.add(new Mutant(f + " a symlink to the twin's", Kind.SYMLINK, t -> {
                Files.delete(t.resolve(f));
                Files.createSymbolicLink(t.resolve(f), donors.twin().resolve(f));
            }));
            m.add(new Mutant(f + " a symlink to a directory", Kind.SYMLINK, t -> {
                Files.delete(t.resolve(f));
                Files.createSymbolicLink(t.resolve(f), donors.twin());
            }));
            m.add(new Mutant(f + " swapped in from another trace", Kind.SWAP,
                    t -> Files.copy(donors.sibling().resolve(f), t.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING)));
            m.add(new Mutant(f + " swapped in from a twin (same metadata)", Kind.SWAP,
                    t -> Files.copy(donors.twin().resolve(f), t.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING)));
        }
        m.add(new Mutant("kv.arrow and integrity.arrow swapped in from a twin", Kind.SWAP, t -> {
            for (String f : List.of(TraceSchema.KV_FILE, TraceSchema.INTEGRITY_FILE))
                Files.copy(donors.twin().resolve(f), t.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }, true));
        for (boolean reseal : new boolean[] {false, true}) {
            String sealed = reseal ? " (re-sealed)" : "";
            for (String f : BATCHED) {
                m.add(new Mutant(f + " batches 0 and 1 swapped" + sealed, Kind.REORDER, t -> rewrite(t, f, UnaryOperator.identity(), swapFirstTwo(), reseal)));
                m.add(new Mutant(f + " batches reversed" + sealed, Kind.REORDER, t -> rewrite(t, f, UnaryOperator.identity(), reversed(), reseal)));
            }
            for (String f : FILES.subList(0, FILES.size() - 1)) {
                for (String[] e : METADATA_EDITS)
                    m.add(new Mutant(f + " metadata " + e[0] + " = " + e[1] + sealed, Kind.METADATA,
                            t -> rewrite(t, f, metadata(e[0], e[1]), identityOrder(), reseal)));
                m.add(new Mutant(f + " metadata without " + TraceSchema.KEY_MODEL + sealed, Kind.METADATA,
                        t -> rewrite(t, f, metadata(TraceSchema.KEY_MODEL, null), identityOrder(), reseal)));
                m.add(new Mutant(f + " column 'position' renamed" + sealed, Kind.SCHEMA, t -> rewrite(t, f, renamed(TraceSchema.COL_POSITION, "pos"), identityOrder(), reseal)));
                m.add(new Mutant(f + " every column declared nullable" + sealed, Kind.SCHEMA, t -> rewrite(t, f, nullable(), identityOrder(), reseal)));
            }
        }
        for (String[] e : METADATA_EDITS)
            m.add(new Mutant("every file's metadata " + e[0] + " = " + e[1] + " (re-sealed)", Kind.METADATA, t -> {
                for (String f : FILES.subList(0, FILES.size() - 1)) rewrite(t, f, metadata(e[0], e[1]), identityOrder(), false);
                reseal(t);
            }));
        return m;
    }

    /**
     * Raw damage to the data files of a trace without integrity data (as v1 traces were first written): what only
     * the structural and semantic checks can catch. A changed float that stays finite and keeps every semantic rule
     * is a valid trace with other data: undetectable there by construction, counted by the suite, not failed.
     */
    static List<Mutant> unsealed(Path base) throws IOException {
        List<Mutant> m = new ArrayList<>();
        for (String f : FILES.subList(0, FILES.size() - 1)) {
            long size = Files.size(base.resolve(f));
            for (double at : TRUNCATE_AT) m.add(new Mutant("v1 " + f + " truncated to " + at, Kind.TRUNCATE, t -> truncate(t.resolve(f), (long) (size * at))));
            for (int i = 0; i < FLIPS_PER_FILE; i++) {
                long pos = (long) ((i + 0.5) * size / FLIPS_PER_FILE);
                int bit = (i * 3) % Byte.SIZE;
                m.add(new Mutant("v1 " + f + " bit " + bit + " of byte " + pos + " flipped", Kind.FLIP, t -> flip(t.resolve(f), pos, bit)));
            }
            for (int i = 0; i < ZEROS_PER_FILE; i++) {
                long pos = (long) ((i + 0.5) * size / ZEROS_PER_FILE);
                m.add(new Mutant("v1 " + f + " " + ZERO_SMALL + " bytes zeroed at " + pos, Kind.ZERO, t -> fill(t.resolve(f), pos, ZERO_SMALL, (byte) 0)));
            }
            for (int i = 0; i < NAN_PER_FILE; i++) {
                long pos = (long) ((i + 0.5) * size / NAN_PER_FILE) & ~3L;
                int pattern = i % 2 == 0 ? FLOAT32_NAN : FLOAT16_INF_PAIR;
                m.add(new Mutant("v1 " + f + (i % 2 == 0 ? " NaN" : " Inf") + " written at " + pos, Kind.NAN_INF, t -> putInt(t.resolve(f), pos, pattern)));
            }
        }
        return m;
    }

    /** Metadata values that lie (key, value): sizes far beyond the files, off by one, wrong types, other versions. */
    private static final List<String[]> METADATA_EDITS = List.of(
            new String[] {TraceSchema.KEY_TOKENS, HUGE}, new String[] {TraceSchema.KEY_TOKENS, "33"},
            new String[] {TraceSchema.KEY_LAYERS, HUGE}, new String[] {TraceSchema.KEY_LAYERS, "3"},
            new String[] {TraceSchema.KEY_KV_HEADS, "4"}, new String[] {TraceSchema.KEY_HEAD_DIM, HUGE},
            new String[] {TraceSchema.KEY_PROBES, HUGE}, new String[] {TraceSchema.KEY_PREFILL_QUERIES, "5"},
            new String[] {TraceSchema.KEY_DTYPE, "float32"}, new String[] {TraceSchema.KEY_VERSION, "2"},
            new String[] {TraceSchema.KEY_TOKENS_PER_IMAGE, "15"}, new String[] {TraceSchema.KEY_QUERY_HEADS, "-4"});

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(Math.max(0, size));
        }
    }

    private static void flip(Path file, long pos, int bit) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, pos);
            b.put(0, (byte) (b.get(0) ^ (1 << bit)));
            b.rewind();
            ch.write(b, pos);
        }
    }

    private static void fill(Path file, long pos, int length, byte value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long n = Math.min(length, Math.max(0, ch.size() - pos));
            ByteBuffer b = ByteBuffer.allocate((int) n);
            for (int i = 0; i < n; i++) b.put(i, value);
            ch.write(b, pos);
        }
    }

    private static void putInt(Path file, long pos, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
            ch.write(b, pos);
        }
    }

    /** A batch order: indices into the original's batches. */
    @FunctionalInterface
    private interface Order { List<Integer> of(int batches); }

    private static Order identityOrder() { return n -> java.util.stream.IntStream.range(0, n).boxed().toList(); }

    private static Order swapFirstTwo() {
        return n -> {
            List<Integer> o = new ArrayList<>(identityOrder().of(n));
            if (n >= 2) java.util.Collections.swap(o, 0, 1);
            return o;
        };
    }

    private static Order reversed() {
        return n -> {
            List<Integer> o = new ArrayList<>(identityOrder().of(n));
            java.util.Collections.reverse(o);
            return o;
        };
    }

    private static UnaryOperator<Schema> metadata(String key, String value) {
        return s -> {
            Map<String, String> m = new LinkedHashMap<>(s.getCustomMetadata());
            if (value == null) m.remove(key);
            else m.put(key, value);
            return new Schema(s.getFields(), m);
        };
    }

    private static UnaryOperator<Schema> renamed(String from, String to) {
        return s -> new Schema(s.getFields().stream().map(f -> f.getName().equals(from)
                ? new Field(to, f.getFieldType(), f.getChildren()) : f).toList(), s.getCustomMetadata());
    }

    private static UnaryOperator<Schema> nullable() {
        return s -> new Schema(s.getFields().stream().map(TraceMutations::nullable).toList(), s.getCustomMetadata());
    }

    private static Field nullable(Field f) {
        return new Field(f.getName(), new FieldType(true, f.getType(), f.getDictionary(), f.getMetadata()),
                f.getChildren().stream().map(TraceMutations::nullable).toList());
    }

    /**
     * Rewrites one Arrow file with a transformed schema (same buffer layout) and its batches in another order; then
     * re-seals the integrity data when asked.
     */
    private static void rewrite(Path trace, String name, UnaryOperator<Schema> schema, Order order, boolean reseal) throws IOException {
        Path file = trace.resolve(name), tmp = trace.resolve(name + ".rewrite");
        try (BufferAllocator allocator = new RootAllocator();
             FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(in, allocator)) {
            Schema target = schema.apply(reader.getVectorSchemaRoot().getSchema());
            List<ArrowBlock> blocks = reader.getRecordBlocks();
            try (VectorSchemaRoot out = VectorSchemaRoot.create(target, allocator);
                 FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 ArrowFileWriter writer = new ArrowFileWriter(out, null, ch)) {
                writer.start();
                for (int b : order.of(blocks.size())) {
                    reader.loadRecordBatch(blocks.get(b));
                    try (ArrowRecordBatch batch = new VectorUnloader(reader.getVectorSchemaRoot()).getRecordBatch()) {
                        new VectorLoader(out).load(batch);
                        writer.writeBatch();
                    }
                }
                writer.end();
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (reseal) reseal(trace);
    }

    /** Recomputes integrity.arrow over the files as they are now, with layout.arrow's metadata. */
    static void reseal(Path trace) {
        try (BufferAllocator allocator = new RootAllocator();
             FileChannel in = FileChannel.open(trace.resolve(TraceSchema.LAYOUT_FILE), StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(in, allocator)) {
            IntegrityWriter.reseal(trace, reader.getVectorSchemaRoot().getSchema().getCustomMetadata());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
