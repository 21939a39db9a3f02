package lookm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import lookm.spec.allocate.Apportion;
import lookm.spec.allocate.BudgetScopes;
import lookm.spec.invariant.ScopeInvariants;
import lookm.spec.policy.PolicyExpressionException;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScopeSpec;
import lookm.spec.policy.Selector;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenDetails;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** Hand-computed budget scopes (SPEC.md §3B) on a Qwen2-VL-shaped layout, and the scope predicates on wrong answers. */
class BudgetScopeTest {
    static final int T = 24, NONE = TokenDetails.NONE;
    static final ReferenceBackend REFERENCE = new ReferenceBackend();

    /**
     * 0-3 text, 4 vision_start, 5-10 image 0, 11 vision_end, 12-13 text, 14 vision_start, 15-20 video 0 (frames 0, 0, 0,
     * 1, 1, 1), 21 vision_end, 22-23 text.
     */
    static TokenLayout qwenLike() {
        Modality[] m = new Modality[T];
        int[] image = new int[T], video = new int[T], tile = new int[T], frame = new int[T], rope = new int[T];
        for (int[] a : List.of(image, video, tile, frame)) Arrays.fill(a, NONE);
        Arrays.fill(m, Modality.TEXT);
        for (int p = 0; p < T; p++) rope[p] = p;
        for (int p : new int[] {4, 11}) { m[p] = Modality.SPECIAL; image[p] = 0; }
        for (int p = 5; p <= 10; p++) { m[p] = Modality.IMAGE; image[p] = 0; tile[p] = 0; }
        for (int p : new int[] {14, 21}) { m[p] = Modality.SPECIAL; video[p] = 0; }
        for (int p = 15; p <= 20; p++) { m[p] = Modality.VIDEO; video[p] = 0; frame[p] = p < 18 ? 0 : 1; }
        return TokenLayout.fromDetails(new TokenDetails(m, image, video, tile, frame, new int[][] {rope, rope, rope}, 1));
    }

    /** One head scoring s[j] = j + 1: inside any group the latest positions are the best. */
    static Scores rising() {
        float[] s = new float[T];
        for (int j = 0; j < T; j++) s[j] = j + 1;
        return new Scores(s, 1, T);
    }

    static int[] kept(String expression, Budget budget) {
        PolicySpec p = Policies.parse(expression);
        Selector selector = REFERENCE.scopedSelector(p);
        return selector.select(rising(), qwenLike(), budget).kept(0);
    }

    @Test
    void groupsFollowItemsTilesFramesAndModalities() {
        TokenLayout layout = qwenLike();
        BudgetScopes.Groups image = BudgetScopes.groups(layout, ScopeSpec.Unit.IMAGE);
        assertEquals(List.of("text", "image#0", "video#1"), image.names());
        assertEquals(1, image.group(4), "vision_start belongs to its image");
        assertEquals(2, image.group(21), "vision_end belongs to its video");
        BudgetScopes.Groups frame = BudgetScopes.groups(layout, ScopeSpec.Unit.FRAME);
        assertEquals(List.of("text", "image#0", "video#1", "video#1/frame0", "video#1/frame1"), frame.names());
        assertEquals(2, frame.group(14), "a video's special tokens have no frame: the video's own group");
        BudgetScopes.Groups modality = BudgetScopes.groups(layout, ScopeSpec.Unit.MODALITY);
        assertEquals(List.of("text", "image", "video"), modality.names());
        assertEquals(0, modality.group(11), "special tokens are text-prior class");
        assertEquals(1, BudgetScopes.groups(layout, ScopeSpec.Unit.GLOBAL).count());
    }

    @Test
    void sizeSharesAreLargestRemainderOfTheHeavyBudget() {
        // h2o, N = 6, R = 2: window {22, 23}; candidates text 6, image#0 8, video#1 8; quotas 1.64, 2.18, 2.18 → 2, 2, 2
        assertArrayEquals(new int[] {10, 11, 12, 13, 20, 21, 22, 23}, kept("h2o scope=image", Budget.counts(6, 2)));
        // the global h2o keeps the top 6 of [0, 22) instead
        assertArrayEquals(new int[] {16, 17, 18, 19, 20, 21, 22, 23}, kept("h2o", Budget.counts(6, 2)));
    }

    @Test
    void attentionSharesFollowEachGroupsScoreMass() {
        // masses over the candidates: text class 91, image 51, video 111 of 253; quotas 2.16, 1.21, 2.63 → 2, 1, 3
        assertArrayEquals(new int[] {10, 14, 18, 19, 20, 21, 22, 23}, kept("h2o scope=modality(shares=attention)", Budget.counts(6, 2)));
    }

    @Test
    void aGroupSmallerThanItsShareKeepsItAllAndTheRestGoesToTheOthers() {
        // exact 8, 1.25, 1.25: the first is capped at 3, the other 7 are shared again 3.5 / 3.5, the tie to the lower index
        assertArrayEquals(new int[] {3, 4, 3}, Apportion.largestRemainder(new double[] {8, 1, 1}, 10, new int[] {3, 5, 5}));
    }

    @Test
    void theBudgetedTextPriorRanksTextFirstInsideEachScope() {
        // lookm-budgeted, N = 6, R = 2, scope=image: shares 2, 2, 2; inside image#0 the specials 11 and 4 come first
        assertArrayEquals(new int[] {4, 11, 12, 13, 14, 21, 22, 23}, kept("lookm-budgeted scope=image", Budget.counts(6, 2)));
    }

    @Test
    void thePredicatesRejectAGlobalSelectionUnderAScopeAndAVisualBeforeText() {
        TokenLayout layout = qwenLike();
        Budget budget = Budget.counts(6, 2);
        PolicySpec h2o = Policies.parse("h2o scope=image");
        Selection global = new Selection(new int[][] {{16, 17, 18, 19, 20, 21, 22, 23}}, T);
        Allocation uniform = Allocation.uniform(1, T, budget);
        assertFalse(ScopeInvariants.budgetPerScopeRespected(h2o.scope(), h2o.select(), global, rising(), layout, budget, uniform).holds());
        assertFalse(ScopeInvariants.bestKeptPerScope(h2o.scope(), h2o.select(),
                new Selection(new int[][] {{9, 11, 12, 13, 20, 21, 22, 23}}, T), rising(), layout, budget, uniform).holds());
        PolicySpec tp = Policies.parse("lookm-budgeted scope=image");
        Selection visualFirst = new Selection(new int[][] {{5, 11, 12, 13, 14, 21, 22, 23}}, T);
        assertFalse(ScopeInvariants.textRetainedPerScope(tp.scope(), tp.select(), visualFirst, layout, budget, uniform).holds());
        Selection right = new Selection(new int[][] {kept("lookm-budgeted scope=image", budget)}, T);
        assertTrue(ScopeInvariants.textRetainedPerScope(tp.scope(), tp.select(), right, layout, budget, uniform).holds());
    }

    @Test
    void aScopeTheSelectionCannotServeIsRefusedNamingBoth() {
        PolicyExpressionException e = assertThrows(PolicyExpressionException.class, () -> Policies.parse("lookm scope=image"));
        assertTrue(e.getMessage().contains("scope=image") && e.getMessage().contains("textprior(mode=released"), e.getMessage());
        assertThrows(PolicyExpressionException.class, () -> Policies.parse("h2o scope=pages"));
        assertThrows(PolicyExpressionException.class, () -> Policies.parse("h2o scope=global(shares=attention)"));
        assertThrows(PolicyExpressionException.class, () -> Policies.parse("h2o scope=image scope=tile"));
        Selector knorm = REFERENCE.scopedSelector(Policies.parse("kvpress-knorm scope=image(shares=attention)"));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> knorm.select(negative(), qwenLike(), Budget.counts(6, 0)));
        assertTrue(negative.getMessage().contains("head 0, token 0"), negative.getMessage());
    }

    private static Scores negative() {
        float[] s = new float[T];
        Arrays.fill(s, -1);
        return new Scores(s, 1, T);
    }
}
