package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import lookm.reference.ReferenceBackend;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TieOrder;
import lookm.spec.policy.UnsupportedVariantException;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.Window;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.ScorePrecision;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every selector, given the same float32 scores, keeps exactly the reference's positions, ties included. */
class SelectEquivalenceTest {
    private static final int HEADS = 3, TOKENS = 301;
    /** Coarse score grid: many exact ties at every boundary. */
    private static final float GRID = 0.25f;
    private final ReferenceBackend reference = new ReferenceBackend();

    static List<SelectSpec> selectors() {
        return List.of(new SelectSpec.KeepAll(), new SelectSpec.TopK(0, new Window.BudgetRecent()), new SelectSpec.TopK(4, new Window.BudgetRecent()),
                new SelectSpec.TopK(0, new Window.Fixed(32)), new SelectSpec.TopK(200, new Window.Fixed(8)),
                new SelectSpec.TextPrior(TextPriorMode.RELEASED), new SelectSpec.TextPrior(TextPriorMode.BUDGETED),
                new SelectSpec.Streaming(4), new SelectSpec.Streaming(0),
                new SelectSpec.TopK(0, new Window.BudgetRecent(), TieOrder.TORCH_CPU), new SelectSpec.TopK(4, new Window.BudgetRecent(), TieOrder.TORCH_CPU),
                new SelectSpec.TopK(200, new Window.Fixed(8), TieOrder.TORCH_CPU), new SelectSpec.TextPrior(TextPriorMode.RELEASED, TieOrder.TORCH_CPU));
    }

    static List<Budget> budgets() {
        return List.of(Budget.ratios(0.1, 0.1), Budget.ratios(0.6, 0.05), Budget.counts(0, 10), Budget.counts(7, 0),
                Budget.counts(TOKENS - 1, 0), Budget.counts(200, 200));
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (SelectSpec s : selectors()) for (Budget b : budgets()) out.add(Arguments.of(s, b));
        return out.stream();
    }

    /** Non-negative scores on a coarse grid, with both +0.0 and -0.0 (equal under KeepOrder). */
    static Scores tiedScores(long seed) {
        Random random = new Random(seed);
        float[] v = new float[HEADS * TOKENS];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.round(random.nextFloat() * 8 / GRID) * GRID;
            if (v[i] == 0f && random.nextBoolean()) v[i] = -0.0f;
        }
        return new Scores(v, HEADS, TOKENS);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void keptSetsAreIdenticalGivenTheSameScores(SelectSpec spec, Budget budget) {
        OpenClBackend backend = OpenClTestSupport.backend();
        TokenLayout layout = Layers.multimodal(TOKENS);
        Scores scores = tiedScores(spec.toString().hashCode() * 31L + budget.toString().hashCode());   // stable across runs
        Selection expected = reference.selector(spec).select(scores, layout, budget);
        Selection actual = backend.selector(spec).select(scores, layout, budget);
        for (int h = 0; h < HEADS; h++)
            assertEquals(java.util.Arrays.toString(expected.kept(h)), java.util.Arrays.toString(actual.kept(h)), spec + " " + budget + " head " + h);
        assertTrue(expected.contentEquals(actual));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tieOrders")
    void theReleasedTextPriorOnBf16ScoresKeepsTheReferenceSets(TieOrder ties) {
        OpenClBackend backend = OpenClTestSupport.backend();
        TokenLayout layout = Layers.multimodal(TOKENS);
        SelectSpec spec = new SelectSpec.TextPrior(TextPriorMode.RELEASED, ties);
        for (Budget budget : budgets()) {
            Scores scores = ScorePrecision.BF16.apply(tiedScores(budget.toString().hashCode()));
            assertTrue(reference.selector(spec).select(scores, layout, budget).contentEquals(backend.selector(spec).select(scores, layout, budget)),
                    spec + " " + budget + " on bf16 scores");
        }
    }

    static List<TieOrder> tieOrders() { return List.of(TieOrder.values()); }

    @Test
    void theBudgetedTextPriorWithTorchTiesIsRefusedVisibly() {
        OpenClBackend backend = OpenClTestSupport.backend();
        SelectSpec spec = new SelectSpec.TextPrior(TextPriorMode.BUDGETED, TieOrder.TORCH_CPU);
        UnsupportedVariantException e = assertThrows(UnsupportedVariantException.class, () -> backend.selector(spec));
        assertTrue(e.getMessage().contains("torch-cpu"), e.getMessage());
    }

    @Test
    void theReleasedTextPriorRefusesNegativeScoresLikeTheReference() {
        OpenClBackend backend = OpenClTestSupport.backend();
        float[] v = new float[HEADS * TOKENS];
        v[5] = -1f;
        Scores scores = new Scores(v, HEADS, TOKENS);
        SelectSpec spec = new SelectSpec.TextPrior(TextPriorMode.RELEASED);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.selector(spec).select(scores, Layers.multimodal(TOKENS), Budget.ratios(0.1, 0.1)));
        assertTrue(e.getMessage().contains("scores >= 0"), e.getMessage());
    }
}
