package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import lookm.spec.invariant.Agreement;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** The one agreement rule (SPEC.md §6.1) on hand-made layers: one head, T = 4, D = 1, two kept, dropped. */
class AgreementTest {
    private static final int T = 4;
    private static final KvBlock BLOCK = new KvBlock(new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8}, 1, T, 1, TokenLayout.allText(T));

    private static CompressedLayer kept(int a, int b, float shift) {
        int[] evicted = java.util.stream.IntStream.range(0, T).filter(t -> t != a && t != b).toArray();
        HeadCompression h = HeadCompression.dropped(new int[] {a, b}, evicted,
                new float[] {BLOCK.keys()[a] + shift, BLOCK.keys()[b]}, new float[] {BLOCK.values()[a], BLOCK.values()[b]});
        return new CompressedLayer(List.of(h), T, 1, BLOCK.layout());
    }

    private static Scores scores(float... s) { return new Scores(s, 1, T); }

    private static Agreement check(Scores ref, Scores got, CompressedLayer r, CompressedLayer c) {
        return Agreement.of(BLOCK, ref, got, r, c, false, false);
    }

    @Test
    void identicalResultsAgreeExactly() {
        Agreement a = check(scores(4, 3, 2, 1), scores(4, 3, 2, 1), kept(0, 1, 0), kept(0, 1, 0));
        assertTrue(a.agrees());
        assertEquals(Agreement.Basis.EXACT, a.basis());
        assertEquals(0, a.maxAbsDiff());
    }

    @Test
    void keptSetsFromIdenticalScoresMustBeIdentical() {
        Agreement a = check(scores(4, 3, 3, 1), scores(4, 3, 3, 1), kept(0, 1, 0), kept(0, 2, 0));
        assertFalse(a.agrees());
        assertTrue(a.detail().contains("bit-identical scores"), a.detail());
    }

    @Test
    void aNearTieExchangeFromRecomputedScoresIsAcceptedAndAClearOneIsNot() {
        Agreement near = check(scores(4, 3f, 3f - 1e-6f, 1), scores(4, 3f - 1e-6f, 3f, 1), kept(0, 1, 0), kept(0, 2, 0));
        assertTrue(near.agrees(), near::toString);
        assertEquals(Agreement.Basis.NEAR_TIE_KEPT, near.basis());
        Agreement clear = check(scores(4, 3, 2, 1), scores(4, 3, 2 + 1e-5f, 1), kept(0, 1, 0), kept(0, 2, 0));
        assertFalse(clear.agrees());
        assertTrue(clear.detail().contains("exceeds the near-tie slack"), clear.detail());
    }

    @Test
    void scoresBeyondToleranceAndMovedKeysDisagree() {
        assertFalse(check(scores(4, 3, 2, 1), scores(4, 3, 2.1f, 1), kept(0, 1, 0), kept(0, 1, 0)).agrees(), "scores beyond Tolerance.SCORE");
        Agreement moved = check(scores(4, 3, 2, 1), scores(4, 3, 2, 1), kept(0, 1, 0), kept(0, 1, 1e-3f));
        assertFalse(moved.agrees());
        assertTrue(moved.detail().contains("Tolerance.MERGE"), moved.detail());
        assertEquals((double) (BLOCK.keys()[0] + 1e-3f) - BLOCK.keys()[0], moved.maxAbsDiff(), "the largest |Δ| over K/V, in float32");
    }
}
