package lookm.properties.kvpress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lookm.properties.contract.OpenClDevice;
import lookm.reference.ReferenceBackend;
import lookm.spec.allocate.AllocatedSelection;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Pooling;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Window;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.npy.NpyReader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * kvpress's AdaKVPress and PyramidKVPress over SnapKV(64, 5), reproduced by the allocation stage (SPEC.md §3A) on
 * every case of ../shared/golden-kvpress (README there): kept sets identical, per head, on the reference and on
 * OpenCL. Each run is checked twice: from kvpress's own stored SnapKV scores (the allocation and selection alone),
 * and end to end from Q, K, V with the backend's window-attention scorer (window 64, avg pool 5), whose order equals
 * kvpress's (it sums where kvpress averages, the same factor W·G for every head of a layer). The window scores do not
 * depend on the budget once C ≥ W, so each backend scores a case once per window. Any AdaKV or PyramidKV folder
 * ({@code adakv_snapkv_w<W>_k<k>_a<α>}, {@code pyramidkv_w<W>_k<k>_b<β>}) of any case is checked, so held-back cases run too.
 */
class KvpressAllocationGoldenTest {
    /** Where the shared kvpress golden directory sits for a checkout, or -D{@value #DIR_PROPERTY}. */
    static final String DIR_PROPERTY = "lookm.goldenKvpress.dir";
    /** Press folders: AdaKV over SnapKV(W, k) with α; PyramidKV with W, k and β (README "Presses"). */
    private static final Pattern ADAKV = Pattern.compile("adakv_snapkv_w(\\d+)_k(\\d+)_a([0-9.]+)");
    private static final Pattern PYRAMID = Pattern.compile("pyramidkv_w(\\d+)_k(\\d+)_b([0-9.]+)");
    private static final Pattern KEPT = Pattern.compile("kept_cr([0-9.]+)(?:_L(\\d+))?\\.npy");

    @TestFactory
    Stream<DynamicTest> referenceReproducesKvpressAdaKvAndPyramidKv() { return tests("reference", new ReferenceBackend()); }

    @TestFactory
    Stream<DynamicTest> openClReproducesKvpressAdaKvAndPyramidKv() {
        root();                                        // no golden directory: skip before asking for a device
        return tests("opencl", OpenClDevice.backendOrSkip());
    }

    private Stream<DynamicTest> tests(String name, Backend backend) {
        Path root = root();
        List<DynamicTest> tests = new ArrayList<>();
        try (var dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs.filter(d -> Files.exists(d.resolve("runs.json"))).sorted()::iterator)
                for (Run run : runs(dir)) tests.add(DynamicTest.dynamicTest(name + " " + dir.getFileName() + " " + run.id(), () -> check(backend, dir, run)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertFalse(tests.isEmpty(), root + " holds no AdaKV or PyramidKV run");
        return tests.stream();
    }

    static Path root() {
        String configured = System.getProperty(DIR_PROPERTY);
        for (Path p : new Path[] {configured == null ? null : Paths.get(configured), Paths.get("../../shared/golden-kvpress"), Paths.get("../shared/golden-kvpress")})
            if (p != null && Files.isDirectory(p)) return p.toAbsolutePath().normalize();
        Assumptions.abort("no shared kvpress golden directory (../shared/golden-kvpress or -D" + DIR_PROPERTY + ")");
        return null;
    }

    /** One kvpress run: the allocation, its compression ratio, its layer (PyramidKV) and the kept file. */
    record Run(String id, AllocateSpec allocate, int window, int kernel, double compressionRatio, int layer, int layers, Path kept) {
        /** kvpress's stored SnapKV(W, k) scores of this case, when that press was run too. */
        Path scores(Path dir) { return dir.resolve("snapkv_w" + window + "_k" + kernel).resolve("score.npy"); }
    }

    static List<Run> runs(Path dir) throws IOException {
        int layers = intField(Files.readString(dir.resolve("runs.json")), "num_hidden_layers");
        List<Run> out = new ArrayList<>();
        try (var presses = Files.list(dir)) {
            for (Path press : (Iterable<Path>) presses.filter(Files::isDirectory).sorted()::iterator) {
                Matcher ada = ADAKV.matcher(press.getFileName().toString()), pyr = PYRAMID.matcher(press.getFileName().toString());
                Matcher m = ada.matches() ? ada : pyr.matches() ? pyr : null;
                if (m == null) continue;
                int window = Integer.parseInt(m.group(1)), kernel = Integer.parseInt(m.group(2));
                double parameter = Double.parseDouble(m.group(3));
                AllocateSpec spec = m == ada ? new AllocateSpec.HeadAdaptive(parameter) : new AllocateSpec.Pyramid(window, parameter);
                try (var files = Files.list(press)) {
                    for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                        Matcher k = KEPT.matcher(f.getFileName().toString());
                        if (!k.matches()) continue;
                        int layer = k.group(2) == null ? 0 : Integer.parseInt(k.group(2));
                        out.add(new Run(press.getFileName() + "/" + f.getFileName(), spec, window, kernel, Double.parseDouble(k.group(1)), layer,
                                layers, f));
                    }
                }
            }
        }
        return out;
    }

    /** Inputs and each backend's recomputed scores, read or computed once per case (the scores do not depend on the run). */
    private static final Map<Path, KvBlock> BLOCKS = new ConcurrentHashMap<>();
    private static final Map<String, Scores> RECOMPUTED = new ConcurrentHashMap<>();

    private static void check(Backend backend, Path dir, Run run) {
        KvBlock block = BLOCKS.computeIfAbsent(dir, KvpressAllocationGoldenTest::block);
        int tokens = block.tokens();
        // kvpress keeps n = int(T·(1 − cr)): the project's ratios (1 − cr, 0) give C = floor(T·(1 − cr)) and m = T·(1 − cr)
        Budget budget = Budget.ratios(1 - run.compressionRatio(), 0);
        // with C < W kvpress's padded window positions tie, and its pick among them is torch's (README "Ties"): not a parity target
        Assumptions.assumeTrue(budget.resolve(tokens).total() >= run.window(), run + ": C < W, kvpress picks among tied window pads");
        PolicySpec policy = new PolicySpec("kvpress-snapkv-" + run.window(), "SnapKV(W, k) as kvpress runs it",
                new ScoreSpec.WindowAttention(new Window.Fixed(run.window()), Pooling.AVG, run.kernel()),
                new SelectSpec.TopK(0, new Window.Fixed(run.window())), new MergeSpec.Drop(), "").withAllocation(run.allocate());
        Compressor compressor = backend.compressor(policy);
        LayerContext layer = LayerContext.of(run.layer(), run.layers());
        int[][] expected = keptRows(run.kept());
        // (1) kvpress's stored scores → allocate → select
        if (Files.exists(run.scores(dir))) {
            Scores stored = new Scores(read(run.scores(dir)).floats, block.heads(), tokens);
            Allocation share = compressor.allocator().allocate(stored, block.layout(), budget, layer);
            assertKept(expected, AllocatedSelection.select(compressor.selector(), stored, block.layout(), budget, share), run + " from kvpress's scores");
        }
        // (2) end to end from Q, K, V: the backend's scorer (once per case and window: with C ≥ W the scores do not depend
        //     on the budget), then Compressor's allocate → select → merge
        Scores recomputed = RECOMPUTED.computeIfAbsent(backend.name() + " " + dir + " w" + run.window() + " k" + run.kernel(),
                key -> compressor.scorer().score(block, observation(dir, block), budget));
        Compressor cached = new Compressor(policy, (b, o, bu) -> recomputed, compressor.selector(), compressor.merger(), compressor.allocator());
        Selection ours = cached.compress(block, Observation.none(), budget, layer).selection();
        assertKept(expected, ours, run + " recomputed");
    }

    private static void assertKept(int[][] expected, Selection ours, String what) {
        assertEquals(expected.length, ours.heads(), what + ": heads");
        for (int h = 0; h < expected.length; h++) assertArrayEquals(expected[h], ours.kept(h), what + ": kept set of head " + h);
    }

    /** Kept rows, ascending, without kvpress's −1 padding of ragged AdaKV rows. */
    static int[][] keptRows(Path file) {
        Array a = read(file);
        int cols = a.shape[a.shape.length - 1];
        int[][] out = new int[a.floats.length / cols][];
        for (int h = 0; h < out.length; h++)
            out[h] = Arrays.stream(a.ints(), h * cols, (h + 1) * cols).filter(v -> v >= 0).toArray();
        return out;
    }

    static KvBlock block(Path dir) {
        Array k = read(input(dir, "K.npy")), v = read(input(dir, "V.npy"));
        int heads = k.shape[1], tokens = k.shape[2], d = k.shape[3];
        TokenLayout layout = TokenLayout.fromImageIds(read(input(dir, "token_image_id.npy")).ints());
        return new KvBlock(k.floats, v.floats, heads, tokens, d, layout);
    }

    static Observation observation(Path dir, KvBlock block) {
        Array q = read(input(dir, "Q.npy"));
        return new Observation(null, Queries.contiguous(q.floats, q.shape[1], block.headDim(), 0, block.tokens()), null);
    }

    /** The synthetic cases ship their inputs; the golden ones reuse ../golden/&lt;case&gt;/. */
    static Path input(Path dir, String file) {
        Path own = dir.resolve(file);
        return Files.exists(own) ? own : dir.getParent().resolveSibling("golden").resolve(dir.getFileName()).resolve(file);
    }

    record Array(int[] shape, float[] floats) {
        int[] ints() {
            int[] out = new int[floats.length];
            for (int i = 0; i < out.length; i++) out[i] = (int) floats[i];
            return out;
        }
    }

    /** A whole .npy array as float32 (int32 positions and float16 inputs are exact in float32). */
    static Array read(Path file) {
        try (InputStream in = Files.newInputStream(file); NpyReader r = new NpyReader(in, file.toString())) {
            long[] dims = r.header().shape();
            int[] shape = Arrays.stream(dims).mapToInt(Math::toIntExact).toArray();
            int n = Math.toIntExact(r.header().elements());
            float[] data = new float[n];
            r.readFloats(data, 0, n);
            return new Array(shape, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int intField(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\s*(\\d+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("runs.json has no " + field);
        return Integer.parseInt(m.group(1));
    }
}
