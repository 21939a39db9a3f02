package lookm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Tolerance;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** The kvpress-parity stages at their edges (SPEC.md §0, §2.6, §2.7, §4.6); the golden suite checks them on real layers. */
class KvpressScorersTest {
    private final ReferenceBackend reference = new ReferenceBackend();

    @Test
    void kvpressBudgetTruncatesTheDoubleProduct() {
        assertEquals(239, Budget.compressionRatio(0.8).heavy(1200), "1 - 0.8 = 0.19999999999999996");
        assertEquals(67, Budget.compressionRatio(0.9).heavy(676));
        assertEquals(360, Budget.compressionRatio(0.7).heavy(1200), "1 - 0.7 = 0.30000000000000004");
        assertEquals(0, Budget.compressionRatio(0.8).recent(1200));
        assertTrue(Budget.compressionRatio(0).resolve(10).coversCache(), "cr 0 keeps everything");
        assertThrows(IllegalArgumentException.class, () -> Budget.compressionRatio(1.5));
    }

    @Test
    void lagKvScoresByPositionWhenTwoPartitionsDoNotFit() {
        KvBlock block = Layers.block(1, 2, TokenLayout.allText(19), 4);        // T = 19 < S + 2ℓ = 20
        Scores s = reference.scorer(new ScoreSpec.LagKv(4, 8)).score(block, Observation.none(), Budget.counts(5, 0));
        for (int j = 0; j < 19; j++)
            assertEquals(j < 4 ? 1f : (float) (j - 4) / 15, s.at(1, j), "position " + j);
    }

    @Test
    void lagKvRanksEachScoredPartitionAndProtectsSinksAndTail() {
        int sinks = 2, lag = 8, tokens = sinks + 3 * lag + 5;                 // 3 partitions + a remainder of 5
        KvBlock block = Layers.block(3, 1, TokenLayout.allText(tokens), 6);
        Scores s = reference.scorer(new ScoreSpec.LagKv(sinks, lag)).score(block, Observation.none(), Budget.counts(5, 0));
        for (int p = 0; p < 2; p++) {                                         // partitions 0 and 1 are scored against the next
            float[] ranks = Arrays.copyOfRange(s.values(), sinks + p * lag, sinks + (p + 1) * lag);
            Arrays.sort(ranks);
            for (int r = 0; r < lag; r++) assertEquals((float) r / lag, ranks[r], "partition " + p + " holds each rank once");
        }
        for (int j = 0; j < tokens; j++)
            if (j < sinks || j >= sinks + 2 * lag) assertEquals(1f, s.at(0, j), "sink or tail position " + j);
    }

    @Test
    void curScoresZeroBlocksZeroInsteadOfNaN() {
        KvBlock random = Layers.block(5, 1, TokenLayout.allText(40), 4);
        float[] keys = random.keys().clone();
        Arrays.fill(keys, 16 * 4, 32 * 4, 0f);                                // block [16, 32) has zero keys
        KvBlock block = new KvBlock(keys, random.values(), 1, 40, 4, random.layout());
        Scores s = reference.scorer(new ScoreSpec.Cur(4, 16)).score(block, Observation.none(), Budget.counts(5, 0));
        double sum = 0;
        for (int j = 0; j < 40; j++) {
            if (j >= 16 && j < 32) assertEquals(0f, s.at(0, j));
            if (j >= 4) sum += s.at(0, j);
            else assertEquals(1f, s.at(0, j), "sink " + j);
        }
        assertTrue(sum < 1 + 1e-6, "the normalised product sums to at most 1 outside the sinks: " + sum);
    }

    @Test
    void tovaGivesEveryKvHeadTheSameRowAndKeepsTheLastToken() {
        KvBlock block = Layers.block(7, 2, TokenLayout.allText(30), 8);
        Observation o = new Observation(null, Layers.queries(8, 4, 30, 8), null);
        Scores s = reference.scorer(new ScoreSpec.Tova()).score(block, o, Budget.counts(5, 0));
        assertArrayEquals(Arrays.copyOfRange(s.values(), 0, 30), Arrays.copyOfRange(s.values(), 30, 60));
        double sum = 0, max = 0;
        for (int j = 0; j < 29; j++) {
            sum += s.at(0, j);
            max = Math.max(max, s.at(0, j));
        }
        assertTrue(sum <= 1 + 1e-6, "a mean of softmax rows without the last key: " + sum);
        assertEquals((float) (max + 1), s.at(0, 29), 1e-6f, "the last token scores max + 1");
    }

    @Test
    void kvpressSnapKvShrinksItsWindowToABudgetBelowIt() {
        KvBlock block = Layers.block(9, 2, TokenLayout.allText(50), 8);
        Observation o = new Observation(null, Layers.queries(10, 2, 50, 8), null);
        Budget budget = Budget.counts(10, 0);                                 // C = 10 < W = 64
        var c = reference.compressor(Policies.named("kvpress-snapkv"));
        Selection kept = c.selector().select(c.scorer().score(block, o, budget), block.layout(), budget);
        for (int h = 0; h < 2; h++) assertArrayEquals(java.util.stream.IntStream.range(40, 50).toArray(), kept.kept(h), "the last C positions");
    }

    @Test
    void theValueMergeNeverChangesKeys() {
        KvBlock block = Layers.block(11, 2, TokenLayout.allText(40), 8);
        int[][] kept = {{0, 3, 9, 20, 39}, {1, 2, 30}};
        CompressedLayer out = reference.merger(new MergeSpec.ValueMerge(0)).merge(block, new Selection(kept, 40));
        for (int h = 0; h < 2; h++) {
            for (int r = 0; r < kept[h].length; r++)
                assertArrayEquals(Arrays.copyOfRange(block.keys(), block.offset(h, kept[h][r]), block.offset(h, kept[h][r]) + 8),
                        Arrays.copyOfRange(out.head(h).keys(), r * 8, (r + 1) * 8), "head " + h + " kept key " + kept[h][r]);
            var v = Invariants.mergedRowsFollowFormula(block, h, out.head(h), new MergeSpec.ValueMerge(0), Tolerance.MERGE);
            assertTrue(v.holds(), v::toString);
        }
        CompressedLayer strict = reference.merger(new MergeSpec.ValueMerge(1)).merge(block, new Selection(kept, 40));
        assertEquals(0, strict.head(0).mergedCount(), "threshold 1: random keys never reach cosine 1");
    }

    @Test
    void externalScoresMustFitTheBlock() {
        KvBlock block = Layers.block(13, 2, TokenLayout.allText(10), 4);
        var scorer = reference.scorer(new ScoreSpec.External());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> scorer.score(block, Observation.none(), Budget.counts(2, 0)));
        assertTrue(none.getMessage().contains("--scores-from"), none.getMessage());
        Observation wrong = Observation.none().withExternal(Scores.zeros(3, 10));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> scorer.score(block, wrong, Budget.counts(2, 0)));
        assertTrue(shape.getMessage().contains("H=3"), shape.getMessage());
        Scores given = Scores.zeros(2, 10);
        assertEquals(given, scorer.score(block, Observation.none().withExternal(given), Budget.counts(2, 0)), "handed through unchanged");
    }
}
