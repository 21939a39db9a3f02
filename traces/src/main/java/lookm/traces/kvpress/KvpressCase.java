package lookm.traces.kvpress;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.npy.NpyReader;
import lookm.traces.schema.TraceFormatException;

/**
 * One case folder of NVIDIA/kvpress parity goldens (shared/golden-kvpress, laid out as its README says): runs.json,
 * the inputs (beside it or in shared/golden, by relative path), kvpress's scores, kept sets and merge outputs. The
 * external oracle the kvpress-parity policies are checked against, on every backend. Arrays are read on demand.
 */
public final class KvpressCase {
    /** System property naming the kvpress golden directory; else ../shared/golden-kvpress or ../../shared/golden-kvpress. */
    public static final String DIRECTORY_PROPERTY = "lookm.goldenKvpress.dir";

    private final Path dir;
    private final String name;
    private final Map<String, Object> runs;
    private final int tokens, queryHeads, kvHeads, headDim;

    private KvpressCase(Path dir) {
        this.dir = dir;
        this.name = dir.getFileName().toString();
        Path file = dir.resolve("runs.json");
        try {
            this.runs = Json.object(Json.parse(Files.readString(file), file.toString()), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        tokens = Json.integer(runs, "T", file.toString());
        queryHeads = Json.integer(runs, "Hq", file.toString());
        kvHeads = Json.integer(runs, "Hkv", file.toString());
        headDim = Json.integer(runs, "D", file.toString());
    }

    /** The case in {@code dir} (a folder with runs.json). */
    public static KvpressCase read(Path dir) { return new KvpressCase(dir); }

    /** Every case folder (with a runs.json) of {@code root}, sorted by name. */
    public static List<KvpressCase> all(Path root) {
        try (var dirs = Files.list(root)) {
            return dirs.filter(d -> Files.exists(d.resolve("runs.json"))).sorted().map(KvpressCase::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** The kvpress golden directory of this checkout, or null when there is none. */
    public static Path sharedDirectory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        for (Path p : new Path[] {configured == null ? null : Paths.get(configured), Paths.get("../../shared/golden-kvpress"),
                Paths.get("../shared/golden-kvpress")})
            if (p != null && Files.isDirectory(p)) return p.toAbsolutePath().normalize();
        return null;
    }

    public String name() { return name; }

    public int tokens() { return tokens; }

    public int queryHeads() { return queryHeads; }

    public int kvHeads() { return kvHeads; }

    public int headDim() { return headDim; }

    /** The runs, in file order. */
    public List<KvpressRun> runs() {
        return Json.array(runs.get("runs"), name + " runs").stream().map(r -> new KvpressRun(this, Json.object(r, name + " run"))).toList();
    }

    /** A float array of this case (any float dtype, widened or narrowed to float32), by path relative to the case folder. */
    public float[] floats(String relative) {
        try (NpyReader r = open(relative)) {
            float[] out = new float[Math.toIntExact(r.header().elements())];
            r.readFloats(out, 0, out.length);
            return out;
        }
    }

    /** A 2-D int array of this case as rows (kept and evicted positions, merge targets). */
    public int[][] intRows(String relative) {
        try (NpyReader r = open(relative)) {
            long[] shape = r.header().shape();
            int cols = Math.toIntExact(shape[shape.length - 1]), rows = Math.toIntExact(r.header().elements() / Math.max(cols, 1));
            int[] flat = r.readInts(rows * cols);
            int[][] out = new int[rows][];
            for (int i = 0; i < rows; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
            return out;
        }
    }

    private NpyReader open(String relative) {
        Path p = dir.resolve(relative).normalize();
        try {
            InputStream in = Files.newInputStream(p);
            return new NpyReader(in, p.toString());
        } catch (IOException e) {
            throw TraceFormatException.in(p, "cannot read (case " + name + ")", e);
        }
    }

    private String input(String key) { return Json.string(Json.object(runs.get("inputs"), name + " inputs"), key, name + " inputs"); }

    /** The layer kvpress compressed: K and V (Hkv, T, D), the modality layout. */
    public KvBlock block() {
        TokenLayout layout = TokenLayout.fromImageIds(intRows(input("token_image_id"))[0]);
        return new KvBlock(floats(input("K")), floats(input("V")), kvHeads, tokens, headDim, layout);
    }

    /** Every prefill query (Hq, T, D) and the eager column sums (Hq, T) that kvpress's ObservedAttentionPress received. */
    public Observation observation() {
        Queries queries = Queries.contiguous(floats(input("Q")), queryHeads, headDim, 0, tokens);
        String colsum = Json.string(Json.object(runs.get("eager_attention"), name + " eager_attention"), "colsum", name);
        return new Observation(new AccumulatedAttention(floats(colsum), queryHeads, tokens), queries, null);
    }

    @Override public String toString() { return name; }
}
