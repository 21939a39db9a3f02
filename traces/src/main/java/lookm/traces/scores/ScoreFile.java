package lookm.traces.scores;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import lookm.spec.tensor.Scores;
import lookm.traces.npy.NpyReader;
import lookm.traces.schema.TraceFormatException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;

/**
 * Importance scores computed elsewhere (any press, any framework), per layer and KV head, for {@code --scores-from}
 * (FORMAT.md "External scores"). Two layouts:
 * <ul>
 *   <li>NumPy {@code .npy}, float16/32/64, shape (L, H, T), or (H, T) for one layer (kvpress's [B=1, H, T] also);</li>
 *   <li>an Arrow IPC file, tidy: one row per (layer, head, position), columns {@code layer}, {@code head},
 *       {@code position} (int32) and {@code score} (float32 or float64); every triple exactly once.</li>
 * </ul>
 * The whole file is held (L·H·T floats: 4 MiB for 32 layers, 8 heads, T = 4096). Higher means keep. Every problem
 * (layout, missing or repeated triples, non-finite values, a shape that does not fit the trace) is a
 * {@link TraceFormatException} naming the file and, where it applies, layer, head and position.
 */
public final class ScoreFile {
    /** Column names of the Arrow layout. */
    public static final String LAYER = "layer", HEAD = "head", POSITION = "position", SCORE = "score";

    private final Path file;
    private final int layers, heads, tokens;
    private final float[] values;                                                  // (L, H, T)

    private ScoreFile(Path file, int layers, int heads, int tokens, float[] values) {
        this.file = file;
        this.layers = layers;
        this.heads = heads;
        this.tokens = tokens;
        this.values = values;
        for (int i = 0; i < values.length; i++)
            if (!Float.isFinite(values[i]))
                throw TraceFormatException.in(file, "score " + values[i] + " at layer " + i / (heads * tokens) + ", head " + i / tokens % heads
                        + ", position " + i % tokens + ": scores must be finite");
    }

    /** Reads a .npy file or an Arrow IPC file (anything else is read as Arrow). */
    public static ScoreFile read(Path file) {
        if (!Files.isRegularFile(file)) throw TraceFormatException.in(file, "missing: --scores-from needs a .npy or Arrow IPC file");
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy") ? readNpy(file) : readArrow(file);
    }

    public Path file() { return file; }

    public int layers() { return layers; }

    public int heads() { return heads; }

    public int tokens() { return tokens; }

    /** The (H, T) scores of one layer, checked against the layer the trace holds. */
    public Scores layer(int layer, int expectedHeads, int expectedTokens) {
        if (layer < 0 || layer >= layers)
            throw TraceFormatException.in(file, "has scores for " + layers + " layer(s), layer " + layer + " was asked for");
        if (heads != expectedHeads || tokens != expectedTokens)
            throw TraceFormatException.in(file, "scores are (H=" + heads + ", T=" + tokens + ") per layer, layer " + layer
                    + " of the trace is (H=" + expectedHeads + ", T=" + expectedTokens + ")");
        int size = heads * tokens;
        return new Scores(java.util.Arrays.copyOfRange(values, layer * size, (layer + 1) * size), heads, tokens);
    }

    private static ScoreFile readNpy(Path file) {
        try (InputStream in = Files.newInputStream(file); NpyReader reader = new NpyReader(in, file.toString())) {
            long[] shape = reader.header().shape();
            if (reader.header().kind() != 'f')
                throw TraceFormatException.in(file, "dtype " + reader.header().descr() + ": scores must be float16, float32 or float64");
            long[] lht = switch (shape.length) {
                case 2 -> new long[] {1, shape[0], shape[1]};
                case 3 -> shape;
                default -> throw TraceFormatException.in(file, "shape " + reader.header().shapeString() + ": expected (L, H, T) or (H, T)");
            };
            int elements = Math.toIntExact(reader.header().elements());
            float[] values = new float[elements];
            reader.readFloats(values, 0, elements);
            return new ScoreFile(file, Math.toIntExact(lht[0]), Math.toIntExact(lht[1]), Math.toIntExact(lht[2]), values);
        } catch (IOException e) {
            throw TraceFormatException.in(file, "cannot read", e);
        }
    }

    private static ScoreFile readArrow(Path file) {
        try (BufferAllocator allocator = new RootAllocator(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
            List<ArrowBlock> blocks = reader.getRecordBlocks();
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            int layers = 0, heads = 0, tokens = 0;
            List<int[]> keys = new java.util.ArrayList<>();
            List<Float> scores = new java.util.ArrayList<>();
            for (ArrowBlock block : blocks) {                                        // (1) every row, as (l, h, t) → score
                reader.loadRecordBatch(block);
                IntVector l = intColumn(file, root, LAYER), h = intColumn(file, root, HEAD), t = intColumn(file, root, POSITION);
                FloatingPointVector s = scoreColumn(file, root);
                for (int r = 0; r < root.getRowCount(); r++) {
                    if (l.isNull(r) || h.isNull(r) || t.isNull(r) || ((FieldVector) s).isNull(r)) throw TraceFormatException.in(file, "null in row " + r);
                    int[] key = {l.get(r), h.get(r), t.get(r)};
                    if (key[0] < 0 || key[1] < 0 || key[2] < 0)
                        throw TraceFormatException.in(file, "negative layer/head/position " + java.util.Arrays.toString(key) + " in a row");
                    layers = Math.max(layers, key[0] + 1);
                    heads = Math.max(heads, key[1] + 1);
                    tokens = Math.max(tokens, key[2] + 1);
                    keys.add(key);
                    scores.add((float) s.getValueAsDouble(r));
                }
            }
            if (keys.isEmpty()) throw TraceFormatException.in(file, "has no score rows");
            // (2) a dense (L, H, T) array; each triple exactly once
            long size = (long) layers * heads * tokens;
            if (size != keys.size())
                throw TraceFormatException.in(file, keys.size() + " rows, but layers/heads/positions up to (" + layers + ", " + heads + ", " + tokens
                        + ") need " + size + ": every (layer, head, position) exactly once");
            float[] values = new float[Math.toIntExact(size)];
            boolean[] seen = new boolean[values.length];
            for (int i = 0; i < keys.size(); i++) {
                int[] k = keys.get(i);
                int at = (k[0] * heads + k[1]) * tokens + k[2];
                if (seen[at]) throw TraceFormatException.in(file, "layer " + k[0] + ", head " + k[1] + ", position " + k[2] + " appears twice");
                seen[at] = true;
                values[at] = scores.get(i);
            }
            return new ScoreFile(file, layers, heads, tokens, values);
        } catch (IOException | RuntimeException e) {
            if (e instanceof TraceFormatException t) throw t;
            throw TraceFormatException.in(file, "not a readable .npy or Arrow IPC score file", e);
        }
    }

    private static IntVector intColumn(Path file, VectorSchemaRoot root, String name) {
        FieldVector v = root.getVector(name);
        if (!(v instanceof IntVector i))
            throw TraceFormatException.in(file, "needs an int32 column '" + name + "'; columns: " + root.getSchema().getFields());
        return i;
    }

    private static FloatingPointVector scoreColumn(Path file, VectorSchemaRoot root) {
        FieldVector v = root.getVector(SCORE);
        if (!(v instanceof FloatingPointVector f))
            throw TraceFormatException.in(file, "needs a float32 or float64 column '" + SCORE + "'; columns: " + root.getSchema().getFields());
        return f;
    }
}
