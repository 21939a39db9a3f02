package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.spec.invariant.ExpectedKept;
import lookm.spec.policy.KeepOrder;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.TieOrder;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.ScorePrecision;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** Every spec type rejects bad input with a message that names the parameter and the place. */
class SpecValidationTest {
    private static void rejects(String expectedInMessage, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expectedInMessage), () -> "message '" + e.getMessage() + "' lacks '" + expectedInMessage + "'");
    }

    @Test void layoutsAreBuiltFromRunsMasksIdsSpansAndPlaceholders() {
        TokenLayout runs = TokenLayout.builder().text(3).image(4).text(2).image(1).build();
        assertEquals("T=10 [text 3, image#0 4, text 2, image#1 1]", runs.toString());
        assertEquals(runs, TokenLayout.fromImageMask(new boolean[] {false, false, false, true, true, true, true, false, false, true}));
        assertEquals(runs, TokenLayout.fromImageSpans(10, new int[][] {{3, 7}, {9, 10}}));
        assertEquals(runs, TokenLayout.fromImageIds(new int[] {-1, -1, -1, 0, 0, 0, 0, -1, -1, 1}));
        // LLaVA rule with tokens per image as an input: placeholders at 3 and 6 (unexpanded), 4 tokens per image
        assertEquals(TokenLayout.fromImageSpans(12, new int[][] {{3, 7}, {9, 13 - 1}}).size(), 12);
        assertEquals(TokenLayout.fromImageSpans(14, new int[][] {{3, 7}, {9, 13}}), TokenLayout.fromPlaceholders(14, new int[] {3, 6}, 4));
        assertEquals(5, runs.textCount());
        assertEquals(2, runs.imageCount());
        assertEquals(2, runs.textCount(0, 2));
    }

    @Test void layoutsRejectEmptyOutOfRangeAndMisnumberedImages() {
        rejects("at least one token", () -> TokenLayout.builder().build());
        rejects("image span 1 = [5, 12) is out of range", () -> TokenLayout.fromImageSpans(10, new int[][] {{1, 3}, {5, 12}}));
        rejects("image span 1", () -> TokenLayout.fromImageSpans(10, new int[][] {{1, 4}, {3, 6}}));
        rejects("imageIdPerToken[2] = 1: expected image 0", () -> TokenLayout.fromImageIds(new int[] {-1, -1, 1}));
        rejects("imageIdPerToken[0] = -2", () -> TokenLayout.fromImageIds(new int[] {-2}));
        rejects("does not fit in 10 tokens", () -> TokenLayout.fromPlaceholders(10, new int[] {8}, 4));
    }

    @Test void kvBlocksRejectWrongLengthsNonFiniteValuesAndUncoveredLayouts() {
        TokenLayout layout = TokenLayout.allText(3);
        rejects("expected 12 floats for (H=2, T=3, D=2), got 11", () -> new KvBlock(new float[11], new float[12], 2, 3, 2, layout));
        float[] bad = new float[12];
        bad[2 * 3 + 2 + 1] = Float.NaN; // head 1, token 1, dim 1
        rejects("KvBlock.values has a non-finite value NaN at head 1, token 1, dim 1", () -> new KvBlock(new float[12], bad, 2, 3, 2, layout));
        bad[7] = Float.POSITIVE_INFINITY;
        rejects("non-finite value Infinity", () -> new KvBlock(bad, new float[12], 2, 3, 2, layout));
        rejects("layout covers 4 tokens, the block has T=3", () -> new KvBlock(new float[12], new float[12], 2, 3, 2, TokenLayout.allText(4)));
        rejects("every dimension must be >= 1", () -> new KvBlock(new float[0], new float[0], 2, 0, 2, layout));
    }

    /** The exponent-field pass decides as Float.isFinite on the edge patterns: every NaN payload and both infinities, not the largest finite or a subnormal. */
    @Test void theFinitenessCheckAgreesWithFloatIsFiniteOnEveryEdgePattern() {
        TokenLayout layout = TokenLayout.allText(3);
        int[] patterns = {0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffffffff, 0x7fbfffff, 0x7f7fffff, 0xff7fffff, 0x00000001, 0x80000000,
                0x00800000, 0x3f800000};
        for (int bits : patterns)
            for (int at : new int[] {0, 5, 11}) {
                float[] keys = new float[12];
                keys[at] = Float.intBitsToFloat(bits);
                if (Float.isFinite(keys[at])) new KvBlock(keys, new float[12], 2, 3, 2, layout);
                else rejects("KvBlock.keys has a non-finite value " + keys[at] + " at head " + at / 6 + ", token " + at % 6 / 2 + ", dim " + at % 2,
                        () -> new KvBlock(keys, new float[12], 2, 3, 2, layout));
            }
    }

    @Test void scoresAndObservationsRejectBadValues() {
        rejects("at query head 1, token 0", () -> new AccumulatedAttention(new float[] {1, 2, -0.5f, 1}, 2, 2));
        rejects("at query head 0, token 1", () -> new AccumulatedAttention(new float[] {1, Float.NaN}, 1, 2));
        rejects("Scores.values has a non-finite value", () -> new Scores(new float[] {0, Float.NEGATIVE_INFINITY}, 1, 2));
        rejects("strictly ascending", () -> new Queries(new float[4], 1, 2, new int[] {3, 3}));
        rejects("must be a positive multiple", () -> new HeadGroups(6, 4));
        rejects("strictly ascending in [0, 5)", () -> new Selection(new int[][] {{0, 2, 2}}, 5));
        rejects("strictly ascending in [0, 5)", () -> new Selection(new int[][] {{0, 5}}, 5));
    }

    @Test void budgetsUseFloorOfTheFloat64ProductAndRejectBadRatios() {
        assertEquals(67, Budget.ratios(0.1, 0.1).heavy(676));
        assertEquals(28, Budget.ratios(0.29, 0).heavy(100), "0.29·100 = 28.999… in float64: floor bites");
        rejects("heavyRatio must be in [0, 1], was 1.5", () -> Budget.ratios(1.5, 0.1));
        rejects("recentRatio must be in [0, 1], was NaN", () -> Budget.ratios(0.1, Double.NaN));
        rejects("heavy count must be >= 0", () -> Budget.counts(-1, 0));
        rejects("non-empty cache", () -> Budget.counts(1, 1).resolve(0));
        Budget.Resolved r = Budget.counts(10, 30).resolve(20);
        assertEquals(20, r.recent());
        assertEquals(0, r.heavy());
        assertTrue(r.coversCache());
        assertFalse(Budget.counts(3, 3).resolve(7).coversCache());
    }

    @Test void groupedQueryScoresAreSummedPerKvHead() {
        float[] perQuery = {1, 2, 3, 4, 5, 6, 7, 8}; // Hq=4, T=2
        assertArrayEquals(new float[] {4, 6, 12, 14}, new HeadGroups(4, 2).aggregate(perQuery, 2));
        assertEquals(0, new HeadGroups(4, 2).kvHeadOf(1));
        assertEquals(1, new HeadGroups(4, 2).kvHeadOf(2));
        assertEquals(1, new HeadGroups(4, 2).kvHeadOf(3));
    }

    @Test void keepOrderPrefersHigherScoresThenLowerPositions() {
        float[] score = {1, 3, 3, 2, 3};
        assertArrayEquals(new int[] {1, 2}, KeepOrder.top(score, new int[] {0, 1, 2, 3, 4}, 2));
        assertArrayEquals(new int[] {1, 2, 4}, KeepOrder.top(score, new int[] {0, 1, 2, 3, 4}, 3));
        assertArrayEquals(new int[] {0, 3}, KeepOrder.top(score, new int[] {0, 3}, 2));
    }

    @Test void releasedTextPriorOvershootsTheBudgetAndBudgetedDoesNot() {
        TokenLayout layout = TokenLayout.builder().text(30).image(60).text(10).build(); // T = 100
        Budget b = Budget.ratios(0.1, 0.1);                                              // N = R = 10, Ω = [0, 90)
        assertEquals(10 + 30, ExpectedKept.count(new SelectSpec.TextPrior(TextPriorMode.RELEASED), layout, b));
        assertEquals(20, ExpectedKept.count(new SelectSpec.TextPrior(TextPriorMode.BUDGETED), layout, b));
        assertEquals(100, ExpectedKept.count(new SelectSpec.TopK(4, new lookm.spec.policy.Window.BudgetRecent()), layout, Budget.ratios(0.5, 0.5)));
    }

    @Test void releasedCountWithScoresCountsImageTokensAtOrAbovePenalty() {
        TokenLayout layout = TokenLayout.builder().image(2).text(2).build();        // found by the property suite
        SelectSpec released = new SelectSpec.TextPrior(TextPriorMode.RELEASED);
        Scores huge = new Scores(new float[] {70000, 70000, 1, 1}, 1, 4);           // a >= Λ on both images
        assertEquals(1 + Math.max(1 + 2, 1), ExpectedKept.count(released, layout, Budget.counts(1, 1), huge, 0));
        assertEquals(1 + Math.max(1, 1), ExpectedKept.count(released, layout, Budget.counts(1, 1)));
    }

    @Test void registryNamesAreStableAndUnknownNamesListTheKnownOnes() {
        assertEquals("lookm", Policies.named("lookm").name());
        assertTrue(Policies.names().containsAll(java.util.List.of("full", "h2o", "snapkv", "streaming-llm", "recent", "random", "oracle")));
        rejects("known: full, lookm", () -> Policies.named("nope"));
    }

    @Test
    void kvpressParityParametersAreValidated() {
        rejects("LagKv.sinkTokens", () -> new lookm.spec.policy.ScoreSpec.LagKv(-1, 128));
        rejects("LagKv.lagSize", () -> new lookm.spec.policy.ScoreSpec.LagKv(4, 0));
        rejects("Cur.localWindow", () -> new lookm.spec.policy.ScoreSpec.Cur(4, 0));
        rejects("KvpressSnapKv.window", () -> new lookm.spec.policy.ScoreSpec.KvpressSnapKv(0, 5));
        rejects("KvpressSnapKv.kernel", () -> new lookm.spec.policy.ScoreSpec.KvpressSnapKv(64, 4));
        rejects("ValueMerge.similarityThreshold", () -> new lookm.spec.policy.MergeSpec.ValueMerge(1.5));
        rejects("compressionRatio", () -> Budget.compressionRatio(-0.1));
        rejects("compressionRatio", () -> Budget.compressionRatio(Double.NaN));
        assertTrue(Policies.names().containsAll(java.util.List.of("kvpress-snapkv", "kvpress-observed-attention", "kvpress-knorm", "kvpress-tova",
                "kvpress-keydiff", "kvpress-lagkv", "kvpress-cur", "kvpress-merging-snapkv")));
    }

    @Test void tieOrdersAndScorePrecisionsAreValidatedAndNamed() {
        rejects("tie order must not be null", () -> new SelectSpec.TopK(0, new lookm.spec.policy.Window.BudgetRecent(), null));
        rejects("tie order must not be null", () -> new SelectSpec.TextPrior(TextPriorMode.RELEASED, null));
        rejects("known: position, torch-cpu", () -> TieOrder.ofLabel("random"));
        assertEquals(TieOrder.TORCH_CPU, TieOrder.ofLabel("torch-cpu"));
        assertEquals(TieOrder.TORCH_CPU, Policies.named("h2o").withTies(TieOrder.TORCH_CPU).select().ties());
        assertEquals(TieOrder.POSITION, new SelectSpec.Streaming(4).withTies(TieOrder.TORCH_CPU).ties(), "no cut: unchanged");
        rejects("need 0 <= sinks <= heavy", () -> TieOrder.POSITION.sinksThenTop(new float[4], 3, 4, 2));
        rejects("score precision must not be null", () -> new ScoreSpec.AccumulatedAttention(ScoreSource.RECORDED, null));
        rejects("BF16 scores must be bfloat16 values; head 0, token 1", () -> new Scores(new float[] {1f, 1.001f}, 1, 2, ScorePrecision.BF16));
        assertEquals(ScorePrecision.BF16, Policies.named("lookm-bf16").withScoreSource(ScoreSource.RECOMPUTED).score() instanceof ScoreSpec.AccumulatedAttention a
                ? a.precision() : null, "a new score source keeps the precision");
    }

    @Test void bf16ScoresRoundTiesToEvenAndThePenaltyBecomes65536() {
        assertEquals(65536f, ScorePrecision.toBf16(Policies.TEXT_PRIOR_PENALTY));
        assertEquals(1f, ScorePrecision.toBf16(1f + 0x1p-8f), "halfway rounds to the even neighbour");
        assertEquals(1f + 0x1p-6f, ScorePrecision.toBf16(1f + 0x1.8p-7f), "halfway between odd and even rounds up to even");
        assertEquals(-65536f, ScorePrecision.BF16.penalised(127f, Policies.TEXT_PRIOR_PENALTY), "image scores below 128 collapse");
        assertEquals(-65280f, ScorePrecision.BF16.penalised(256f, Policies.TEXT_PRIOR_PENALTY));
        assertEquals(100f - 65516f, ScorePrecision.FLOAT32.penalised(100f, Policies.TEXT_PRIOR_PENALTY));
        Scores s = ScorePrecision.BF16.apply(new Scores(new float[] {0.1f, 3f}, 1, 2));
        assertEquals(ScorePrecision.BF16, s.precision());
        assertArrayEquals(new float[] {ScorePrecision.toBf16(0.1f), 3f}, s.values());
    }
}
