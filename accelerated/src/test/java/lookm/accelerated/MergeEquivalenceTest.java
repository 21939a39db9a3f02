package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Agreement;
import lookm.spec.policy.AveragePairing;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.Window;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every merge on the device against the reference, on the reference's selection (agreement rules 3-5, {@link Agreement}). */
class MergeEquivalenceTest {
    private static final int HEADS = 4, TOKENS = 240, DIM = 32;
    private final ReferenceBackend reference = new ReferenceBackend();

    static List<MergeSpec> merges() {
        return List.of(new MergeSpec.Drop(), new MergeSpec.Pivot(),
                new MergeSpec.Average(AveragePairing.CORRECT, true), new MergeSpec.Average(AveragePairing.RELEASED_MISPAIRED, true),
                new MergeSpec.Average(AveragePairing.CORRECT, false), new MergeSpec.Weighted(true), new MergeSpec.Weighted(false),
                new MergeSpec.ValueMerge(0), new MergeSpec.ValueMerge(0.3));
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (MergeSpec m : merges()) {
            out.add(Arguments.of(m, new SelectSpec.TopK(4, new Window.BudgetRecent())));
            out.add(Arguments.of(m, new SelectSpec.TextPrior(TextPriorMode.RELEASED)));
        }
        return out.stream();
    }

    /** A layer with zero-norm keys and exact duplicate keys, so that cosine 0 and exact argmax ties occur. */
    static KvBlock awkwardBlock(long seed) {
        KvBlock b = Layers.layer(HEADS, HEADS, TOKENS, DIM, seed).block();
        float[] keys = b.keys();
        for (int h = 0; h < HEADS; h++) {
            java.util.Arrays.fill(keys, b.offset(h, 7), b.offset(h, 8), 0f);                 // a zero key
            System.arraycopy(keys, b.offset(h, 1), keys, b.offset(h, 2), DIM);             // duplicates: ties
            System.arraycopy(keys, b.offset(h, 1), keys, b.offset(h, TOKENS - 1), DIM);
            System.arraycopy(keys, b.offset(h, 30), keys, b.offset(h, 31), DIM);
        }
        return b;
    }

    @ParameterizedTest(name = "{0} after {1}")
    @MethodSource("cases")
    void mergesAgreeWithTheReference(MergeSpec merge, SelectSpec select) {
        OpenClBackend backend = OpenClTestSupport.backend();
        Layers.Layer layer = Layers.layer(HEADS, HEADS, TOKENS, DIM, 5);
        for (KvBlock block : List.of(layer.block(), awkwardBlock(6))) {
            Budget budget = Budget.ratios(0.15, 0.1);
            Selection selection = reference.selector(select).select(
                    reference.scorer(new lookm.spec.policy.ScoreSpec.AccumulatedAttention(lookm.spec.policy.ScoreSource.RECORDED))
                            .score(block, layer.observation(), budget), block.layout(), budget);
            CompressedLayer expected = reference.merger(merge).merge(block, selection);
            CompressedLayer actual = backend.merger(merge).merge(block, selection);
            assertNull(Agreement.merges(block, expected, actual, merge.meanSimilarityFilter()));
            if (merge instanceof MergeSpec.Drop)
                for (int h = 0; h < HEADS; h++) {
                    assertArrayEquals(expected.head(h).keys(), actual.head(h).keys(), "drop copies kept keys bit for bit");
                    assertArrayEquals(expected.head(h).values(), actual.head(h).values());
                }
        }
    }

    @Test
    void rowsThatReceiveNothingAreCopiedBitForBit() {
        OpenClBackend backend = OpenClTestSupport.backend();
        KvBlock block = Layers.layer(HEADS, HEADS, TOKENS, DIM, 9).block();
        Selection selection = Selection.all(HEADS, TOKENS);
        int[][] kept = new int[HEADS][];
        for (int h = 0; h < HEADS; h++) kept[h] = java.util.stream.IntStream.range(0, TOKENS).filter(t -> t != 3).toArray();
        selection = new Selection(kept, TOKENS);
        CompressedLayer out = backend.merger(new MergeSpec.Pivot()).merge(block, selection);
        for (int h = 0; h < HEADS; h++) {
            int target = out.head(h).mergeTarget()[0];
            for (int r = 0; r < kept[h].length; r++) {
                if (r == target) continue;
                float[] row = java.util.Arrays.copyOfRange(out.head(h).keys(), r * DIM, (r + 1) * DIM);
                assertArrayEquals(java.util.Arrays.copyOfRange(block.keys(), block.offset(h, kept[h][r]), block.offset(h, kept[h][r]) + DIM), row);
            }
        }
    }

    @Test
    void theFilterHandlesUnevenEvictedCountsLikeTheReference() {
        OpenClBackend backend = OpenClTestSupport.backend();
        KvBlock block = Layers.layer(2, 2, 64, DIM, 3).block();
        Selection uneven = new Selection(new int[][] {{0, 1, 2, 40}, {0, 1}}, 64);     // 60 and 62 evicted slots
        for (MergeSpec merge : new MergeSpec[] {new MergeSpec.Weighted(true), new MergeSpec.Average(AveragePairing.CORRECT, true),
                new MergeSpec.Average(AveragePairing.RELEASED_MISPAIRED, true), new MergeSpec.Pivot()})
            assertNull(Agreement.merges(block, reference.merger(merge).merge(block, uneven), backend.merger(merge).merge(block, uneven),
                    false), merge + " on heads with different evicted counts");
    }
}
