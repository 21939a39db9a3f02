package lookm.bench.conform;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.npy.NpyReader;
import lookm.traces.npy.NpyWriter;

/**
 * A conform counterexample as NumPy files in one new directory (loadable with {@code np.load}): {@code keys.npy},
 * {@code values.npy} float32 (H, T, D), {@code attention.npy} float32 (Hq, T), {@code image_ids.npy} int32 (T,)
 * (-1 text) and {@code budget.npy} int32 [N, R]. Not a trace directory: generated cases carry arbitrary recorded
 * scores, which the trace format refuses (each head's column sums must add up to T, FORMAT.md).
 */
public final class CaseFiles {
    public static final String KEYS = "keys.npy", VALUES = "values.npy", ATTENTION = "attention.npy", IMAGE_IDS = "image_ids.npy", BUDGET = "budget.npy";

    private CaseFiles() {}

    /** One case, read back: block, observation (recorded attention only) and budget in counts. */
    public record Case(KvBlock block, Observation observation, Budget budget) {}

    /** Writes the case into {@code dir}, which must not exist. */
    public static Path write(Path dir, KvBlock block, AccumulatedAttention attention, Budget.Resolved budget) {
        try {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            Files.createDirectory(dir);
            floats(dir.resolve(KEYS), block.keys(), block.heads(), block.tokens(), block.headDim());
            floats(dir.resolve(VALUES), block.values(), block.heads(), block.tokens(), block.headDim());
            floats(dir.resolve(ATTENTION), attention.values(), attention.queryHeads(), attention.tokens());
            ints(dir.resolve(IMAGE_IDS), block.layout().imageIds(), block.tokens());
            ints(dir.resolve(BUDGET), new int[] {budget.heavy(), budget.recent()}, 2);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the counterexample to " + dir, e);
        }
    }

    /** Reads a directory written by {@link #write}. @throws IllegalArgumentException naming the file and what is wrong */
    public static Case read(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--case " + dir + ": not a directory");
        int[] ids = ints(dir.resolve(IMAGE_IDS), 1);
        int[] budget = ints(dir.resolve(BUDGET), 1);
        if (budget.length != 2) throw new IllegalArgumentException(dir.resolve(BUDGET) + ": expected [N, R], got " + budget.length + " values");
        float[][] keys = new float[1][], values = new float[1][], attention = new float[1][];
        long[] k = floats(dir.resolve(KEYS), 3, keys), v = floats(dir.resolve(VALUES), 3, values), a = floats(dir.resolve(ATTENTION), 2, attention);
        if (!java.util.Arrays.equals(k, v) || k[1] != ids.length || a[1] != ids.length)
            throw new IllegalArgumentException(dir + ": shapes disagree: keys " + java.util.Arrays.toString(k) + ", values " + java.util.Arrays.toString(v)
                    + ", attention " + java.util.Arrays.toString(a) + ", image_ids (" + ids.length + ")");
        KvBlock block = new KvBlock(keys[0], values[0], (int) k[0], (int) k[1], (int) k[2], TokenLayout.fromImageIds(ids));
        Observation observation = new Observation(new AccumulatedAttention(attention[0], (int) a[0], (int) a[1]), null, null);
        return new Case(block, observation, Budget.counts(budget[0], budget[1]));
    }

    private static void floats(Path file, float[] data, long... shape) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) { NpyWriter.floats(out, data, shape); }
    }

    private static void ints(Path file, int[] data, long... shape) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) { NpyWriter.ints(out, data, shape); }
    }

    private static long[] floats(Path file, int rank, float[][] into) {
        try (InputStream in = Files.newInputStream(file); NpyReader r = new NpyReader(in, file.toString())) {
            long[] shape = r.requireRank(rank, file.getFileName().toString());
            into[0] = new float[Math.toIntExact(r.header().elements())];
            r.readFloats(into[0], 0, into[0].length);
            return shape;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static int[] ints(Path file, int rank) {
        try (InputStream in = Files.newInputStream(file); NpyReader r = new NpyReader(in, file.toString())) {
            r.requireRank(rank, file.getFileName().toString());
            return r.readInts(Math.toIntExact(r.header().elements()));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
