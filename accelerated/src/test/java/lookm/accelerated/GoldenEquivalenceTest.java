package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Agreement;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.TieOrder;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden cases of the authors' original code (../shared/golden beside the checkout, or -Dlookm.golden=dir): for each of the
 * nine original classes and both tie orders, the OpenCL pipeline on the recorded scores gives the reference's kept
 * sets exactly and its merges by the spec's agreement rule; under ties=torch-cpu its kept sets are also exactly the
 * original's, on every head; and the device's recomputed scores match the recorded column sums within
 * Tolerance.SCORE. Missing golden data is a visible skip.
 */
class GoldenEquivalenceTest {
    /** Registered policies of the nine original classes (as the reference's golden test maps them). */
    private static final List<String> POLICIES = List.of("h2o", "h2o-pivot", "h2o-average-released", "h2o-weighted", "lookm",
            "tp-average-released", "tp-weighted", "tp-drop", "snapkv");
    /** The original class behind each of POLICIES, i.e. its output folder in a golden case. */
    private static final List<String> ORIGINAL_CLASSES = List.of("H2OKVCache_LayerWise", "PivotKVCache_LayerWise",
            "AVGMergeKVCache_LayerWise", "WeightedMergeKVCache_LayerWise", "TextPivotMerge_LayerWise", "TextAVGMergeKVCache_LayerWise",
            "TextWeightedMerge_LayerWise", "MeanH2OKVCache_LayerWise", "PoolingKVCache_LayerWise");
    private final ReferenceBackend reference = new ReferenceBackend();

    record Case(String name, Path dir, KvBlock block, Observation observation, Budget budget) {}

    @TestFactory
    Stream<DynamicTest> goldenCasesMatchTheReference() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (int i = 0; i < POLICIES.size(); i++)
                for (TieOrder ties : TieOrder.values()) {
                    PolicySpec policy = Policies.named(POLICIES.get(i)).withTies(ties);
                    String originalClass = ORIGINAL_CLASSES.get(i);
                    tests.add(DynamicTest.dynamicTest(c.name + " " + policy.name() + " ties=" + ties.label(),
                            () -> checkPolicy(c, policy, ties == TieOrder.TORCH_CPU ? originalClass : null)));
                }
            tests.add(DynamicTest.dynamicTest(c.name + " recomputed scores", () -> checkRecomputedScores(c)));
        }
        return tests.stream();
    }

    /** @param originalClass when not null, the OpenCL kept sets must also equal this class's kept_idx exactly. */
    private void checkPolicy(Case c, PolicySpec policy, String originalClass) throws IOException {
        OpenClBackend backend = OpenClTestSupport.backend();
        Compressor.Stages expected = reference.compressor(policy).run(c.block, c.observation, c.budget);
        Compressor.Stages actual = backend.compressor(policy).run(c.block, c.observation, c.budget);
        assertTrue(expected.selection().contentEquals(actual.selection()), c.name + " " + policy.parameters() + ": kept sets");
        Agreement agreement = Agreement.of(policy, c.block, expected, actual);
        assertTrue(agreement.agrees(), () -> c.name + " " + policy.name() + ": " + agreement);
        if (originalClass == null) return;
        int[] theirs = Npy.ints(c.dir.resolve(originalClass).resolve("kept_idx.npy"));
        int perHead = theirs.length / c.block.heads();
        for (int h = 0; h < c.block.heads(); h++) {
            int[] set = Arrays.copyOfRange(theirs, h * perHead, (h + 1) * perHead);
            Arrays.sort(set);                                    // SnapKV's output rows are in score order
            assertArrayEquals(set, actual.selection().kept(h), c.name + " " + originalClass + " head " + h + ": OpenCL kept set vs the original");
        }
    }

    private void checkRecomputedScores(Case c) {
        OpenClBackend backend = OpenClTestSupport.backend();
        ScoreSpec recomputed = new ScoreSpec.AccumulatedAttention(ScoreSource.RECOMPUTED);
        float[] recorded = c.observation.accumulatedAttention().values();
        Verdict v = Tolerance.SCORE.compare(recorded, backend.scorer(recomputed).score(c.block, c.observation, c.budget).values(), c.name);
        assertTrue(v.holds(), v::toString);
    }

    static List<Case> cases() throws IOException {
        Path root = Paths.get(System.getProperty("lookm.golden", "../../shared/golden"));
        Assumptions.assumeTrue(Files.isDirectory(root), "skipped: no golden directory at " + root + " (set -Dlookm.golden=dir)");
        List<Case> out = new ArrayList<>();
        try (var dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs.filter(d -> Files.exists(d.resolve("manifest.json"))).sorted()::iterator) out.add(load(dir));
        }
        Assumptions.assumeFalse(out.isEmpty(), "skipped: no golden case under " + root);
        return out;
    }

    private static Case load(Path dir) throws IOException {
        String manifest = Files.readString(dir.resolve("manifest.json"));
        int heads = field(manifest, "H"), tokens = field(manifest, "T"), dim = field(manifest, "d");
        KvBlock block = new KvBlock(Npy.floats(dir.resolve("K.npy")), Npy.floats(dir.resolve("V.npy")), heads, tokens, dim,
                TokenLayout.fromImageIds(Npy.ints(dir.resolve("token_image_id.npy"))));
        Observation observation = new Observation(new AccumulatedAttention(Npy.floats(dir.resolve("attn_colsum.npy")), heads, tokens),
                Queries.contiguous(Npy.floats(dir.resolve("Q.npy")), heads, dim, 0, tokens), null);
        Budget budget = Budget.ratios(decimal(manifest, "hh_ratio"), decimal(manifest, "recent_ratio"));
        return new Case(dir.getFileName().toString(), dir, block, observation, budget);
    }

    private static int field(String manifest, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*(\\d+)").matcher(manifest);
        if (!m.find()) throw new IllegalStateException("manifest has no " + name);
        return Integer.parseInt(m.group(1));
    }

    private static double decimal(String manifest, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*([0-9.eE+-]+)").matcher(manifest);
        if (!m.find()) throw new IllegalStateException("manifest has no " + name);
        return Double.parseDouble(m.group(1));
    }

}
