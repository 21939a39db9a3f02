package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Agreement;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Window;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** The near-tie rules of {@link Agreement} (KERNELS.md): what they accept, what they reject, and that they bind. */
class NearTieRuleTest {
    private static final int TOKENS = 64;
    private final ReferenceBackend reference = new ReferenceBackend();
    private final SelectSpec topK = new SelectSpec.TopK(0, new Window.BudgetRecent());
    private final Budget budget = Budget.counts(10, 6);

    /** Scores 1, 2, …, with position 20 and 21 made a near-tie across the top-10 boundary. */
    private static float[] boundaryScores(float gap) {
        float[] s = new float[TOKENS];
        for (int t = 0; t < TOKENS; t++) s[t] = t % 29 + 1;
        float cut = 30f;
        s[20] = cut;
        s[21] = cut - gap;
        for (int t = 0; t < 9; t++) s[40 + t] = 100f + t;    // nine clear winners: position 20 is the tenth
        return s;
    }

    @Test
    void aSwapAcrossANearTieBoundaryIsAccepted() {
        OpenClBackend backend = OpenClTestSupport.backend();
        float[] exact = boundaryScores(1e-6f), perturbed = exact.clone();
        perturbed[21] = exact[20] + 2e-6f;                  // the device's last bits go the other way
        Scores refScores = new Scores(exact, 1, TOKENS);
        Selection expected = reference.selector(topK).select(refScores, TokenLayout.allText(TOKENS), budget);
        Selection actual = backend.selector(topK).select(new Scores(perturbed, 1, TOKENS), TokenLayout.allText(TOKENS), budget);
        assertFalse(expected.contentEquals(actual), "the perturbation changes the kept set");
        assertNull(Agreement.keptSets(refScores, TokenLayout.allText(TOKENS), false, expected, actual));
    }

    @Test
    void aSwapAcrossAClearGapIsRejected() {
        float[] exact = boundaryScores(0.5f);
        Scores refScores = new Scores(exact, 1, TOKENS);
        Selection expected = reference.selector(topK).select(refScores, TokenLayout.allText(TOKENS), budget);
        int[] kept = expected.kept(0);
        kept[java.util.Arrays.binarySearch(kept, 20)] = 21;
        java.util.Arrays.sort(kept);
        assertNotNull(Agreement.keptSets(refScores, TokenLayout.allText(TOKENS), false, expected, new Selection(new int[][] {kept}, TOKENS)));
    }

    @Test
    void recomputedKeptSetsAreIdenticalWheneverTheBoundaryGapExceedsTheSlack() {
        OpenClBackend backend = OpenClTestSupport.backend();
        Layers.Layer layer = Layers.layer(4, 4, 400, 32, 99);
        Budget b = Budget.ratios(0.1, 0.1);
        ScoreSpec recomputed = new ScoreSpec.AccumulatedAttention(ScoreSource.RECOMPUTED);
        Scores refScores = reference.scorer(recomputed).score(layer.block(), layer.observation(), b);
        Scores ourScores = backend.scorer(recomputed).score(layer.block(), layer.observation(), b);
        Selection expected = reference.selector(topK).select(refScores, layer.block().layout(), b);
        Selection actual = backend.selector(topK).select(ourScores, layer.block().layout(), b);
        int candidates = b.resolve(400).recentStart(), heavy = b.resolve(400).heavy();
        int clear = 0;
        for (int h = 0; h < 4; h++) {
            List<Float> ranked = new ArrayList<>();
            for (int t = 0; t < candidates; t++) ranked.add(refScores.at(h, t));
            ranked.sort((x, y) -> Float.compare(y, x));
            float last = ranked.get(heavy - 1), next = ranked.get(heavy);
            if (last - next > Agreement.scoreSlack(last)) {
                clear++;
                assertArrayEquals(expected.kept(h), actual.kept(h), "head " + h + ": boundary gap " + (last - next) + " is clear");
            }
        }
        assertTrue(clear > 0, "at least one head has a clear boundary");
        assertNull(Agreement.keptSets(refScores, layer.block().layout(), false, expected, actual));
    }

    @Test
    void aMatchWithinTheSimilaritySlackIsAcceptedAndAFarOneRejected() {
        OpenClBackend backend = OpenClTestSupport.backend();
        KvBlock block = Layers.layer(1, 1, TOKENS, 32, 4).block();
        float[] keys = block.keys();
        // kept 1 and 2 are near-duplicates (cosines of evicted keys to them agree to ~1e-8): a near-tie argmax
        for (int c = 0; c < 32; c++) keys[block.offset(0, 2) + c] = keys[block.offset(0, 1) + c] * (1 + 1e-7f * (c % 3));
        int[] kept = java.util.stream.IntStream.range(0, 16).toArray();
        Selection selection = new Selection(new int[][] {kept}, TOKENS);
        CompressedLayer expected = reference.merger(new MergeSpec.Pivot()).merge(block, selection);
        CompressedLayer actual = backend.merger(new MergeSpec.Pivot()).merge(block, selection);
        assertNull(Agreement.merges(block, expected, actual, false));
        HeadCompression e = expected.head(0);
        int[] wrong = e.match().clone();
        wrong[0] = (wrong[0] + 5) % kept.length;            // a clearly worse kept key
        CompressedLayer tampered = new CompressedLayer(List.of(new HeadCompression(e.kept(), e.evicted(), wrong, e.matchSimilarity(),
                e.mergeTarget(), e.mergeWeight(), e.keys(), e.values())), TOKENS, 32, block.layout());
        assertNotNull(Agreement.merges(block, expected, tampered, false));
        assertNotNull(Policies.named("lookm"));
    }
}
