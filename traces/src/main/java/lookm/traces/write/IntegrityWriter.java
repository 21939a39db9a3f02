package lookm.traces.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import lookm.traces.schema.FileIntegrity;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceSchema;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;

/**
 * Writes integrity.arrow, the trace's integrity data: for every data file its size, rows, record batches and
 * sha256 (FORMAT.md, "Integrity"). Writers call it last, after every data file is finished and before the trace is
 * renamed into place, so the digests are of the committed bytes.
 */
public final class IntegrityWriter {
    private IntegrityWriter() {}

    /** The JCA name of {@link TraceSchema#INTEGRITY_ALGORITHM}. */
    private static final String JCA_SHA256 = "SHA-256";
    /** Read size of the streaming digest. */
    private static final int DIGEST_CHUNK = 1 << 20;

    /** What a writer knows about one data file it wrote. */
    public record Written(String file, long rows, int batches) {}

    /**
     * Digests each listed file of {@code dir} and writes {@code dir}/integrity.arrow.
     *
     * @param traceMetadata the trace's schema metadata (as in every data file), copied into the manifest
     */
    public static void seal(Path dir, Map<String, String> traceMetadata, List<Written> files) {
        Path out = dir.resolve(TraceSchema.INTEGRITY_FILE);
        try (BufferAllocator allocator = new RootAllocator();
             ArrowSink sink = new ArrowSink(out, TraceSchema.integrity(traceMetadata), allocator)) {
            sink.batch(files.size(), root -> {
                for (int i = 0; i < files.size(); i++) {
                    Written w = files.get(i);
                    Path file = dir.resolve(w.file());
                    new FileIntegrity(w.file(), size(file), w.rows(), w.batches(), sha256(file)).write(root, i);
                }
            });
        }
    }

    /**
     * Re-seals the data files present in {@code dir}, counting their rows by reading them: for tools and tests that
     * rewrite a trace's files on purpose. It blesses whatever the files hold now, so never run it on a trace you did
     * not just write.
     */
    public static void reseal(Path dir, Map<String, String> traceMetadata) {
        List<Written> files = new java.util.ArrayList<>();
        for (String name : TraceSchema.DATA_FILES) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) continue;
            try (BufferAllocator allocator = new RootAllocator(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                 ArrowFileReader reader = new ArrowFileReader(ch, allocator)) {
                long rows = 0;
                List<ArrowBlock> blocks = reader.getRecordBlocks();
                for (ArrowBlock b : blocks) {
                    reader.loadRecordBatch(b);
                    VectorSchemaRoot root = reader.getVectorSchemaRoot();
                    rows += root.getRowCount();
                }
                files.add(new Written(name, rows, blocks.size()));
            } catch (IOException e) {
                throw TraceFormatException.in(file, "cannot count its rows", e);
            }
        }
        try {
            Files.deleteIfExists(dir.resolve(TraceSchema.INTEGRITY_FILE));
        } catch (IOException e) {
            throw TraceFormatException.in(dir.resolve(TraceSchema.INTEGRITY_FILE), "cannot replace it", e);
        }
        seal(dir, traceMetadata, files);
    }

    /** The sha256 of a file as 64 lower-case hex digits, streamed in 1 MiB chunks. */
    public static String sha256(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest digest = MessageDigest.getInstance(JCA_SHA256);
            ByteBuffer buffer = ByteBuffer.allocateDirect(DIGEST_CHUNK);
            while (ch.read(buffer) >= 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw TraceFormatException.in(file, "cannot read it to compute its sha256", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-256, which every Java platform must provide", e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw TraceFormatException.in(file, "cannot read its size", e);
        }
    }
}
