package lookm.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** The reference on synthetic layers: score recomputation, GQA, every policy's invariants, bad input. */
class ReferenceBehaviourTest {
    private static final TokenLayout LAYOUT = TokenLayout.builder().text(9).image(40).text(7).image(24).text(16).build(); // T = 96
    private final ReferenceBackend reference = new ReferenceBackend();

    private static void holds(Verdict v) { assertTrue(v.holds(), v::toString); }

    @Test void recomputedScoresEqualTheNaiveCausalColumnSums() {
        KvBlock block = Layers.block(1, 2, LAYOUT, 16);
        Queries q = Layers.queries(2, 2, LAYOUT.size(), 16);
        Scores recomputed = reference.scorer(new lookm.spec.policy.ScoreSpec.AccumulatedAttention(ScoreSource.RECOMPUTED))
                .score(block, new Observation(null, q, null), Budget.ratios(0.1, 0.1));
        holds(Tolerance.SCORE.compare(Layers.naiveColumnSums(block, q), recomputed.values(), "recomputed column sums"));
    }

    @Test void groupedQueryHeadsSumTheirScoresAndRecomputeAgreesWithRecorded() {
        KvBlock block = Layers.block(3, 2, LAYOUT, 8);
        Queries q = Layers.queries(4, 6, LAYOUT.size(), 8);                     // G = 3
        Observation observed = Layers.recordedAndQueries(block, q);
        for (String name : new String[] {"lookm", "h2o-pivot", "tp-weighted"}) {
            PolicySpec recorded = Policies.named(name), recomputed = recorded.withScoreSource(ScoreSource.RECOMPUTED);
            Budget b = Budget.ratios(0.1, 0.1);
            CompressedLayer x = reference.compressor(recorded).compress(block, observed, b);
            CompressedLayer y = reference.compressor(recomputed).compress(block, observed, b);
            assertTrue(x.selection().contentEquals(y.selection()), name + ": recorded and recomputed scores select the same tokens");
            for (int h = 0; h < block.heads(); h++) holds(Tolerance.MERGE.compare(x.head(h).keys(), y.head(h).keys(), name + " keys"));
        }
    }

    @Test void everyRegisteredPolicySatisfiesTheSpecInvariants() {
        KvBlock block = Layers.block(5, 3, LAYOUT, 12);
        Queries q = Layers.queries(6, 3, LAYOUT.size(), 12);
        Observation observed = Layers.recordedAndQueries(block, q).withProbes(
                new Queries(Layers.gaussian(new java.util.SplittableRandom(7), 3 * 4 * 12, 1), 3, 12, new int[] {96, 97, 98, 99}));
        for (Budget b : new Budget[] {Budget.ratios(0.1, 0.1), Budget.ratios(0.3, 0.05), Budget.counts(0, 0), Budget.counts(50, 50)})
            for (PolicySpec p : Policies.all()) {
                CompressedLayer out = reference.compressor(p).compress(block, observed, b);
                Selection s = out.selection();
                holds(Invariants.keptAndEvictedPartition(out));
                holds(Invariants.keptCountMatchesFormula(s, p.select(), LAYOUT, b));
                int[] guarded = Invariants.protectedCounts(p.select(), LAYOUT.size(), b);
                holds(Invariants.recentWindowKept(s, guarded[0]));
                holds(Invariants.sinksKept(s, guarded[1]));
                holds(Invariants.finite(out));
                if (b.resolve(LAYOUT.size()).coversCache() || p.name().equals("full")) holds(Invariants.identity(block, out));
                if (Invariants.textPriorMode(p.select()) != null) holds(Invariants.textBeforeImage(s, LAYOUT, b));
                if (Invariants.textPriorMode(p.select()) == lookm.spec.policy.TextPriorMode.RELEASED) holds(Invariants.textRetained(s, LAYOUT, b));
                for (int h = 0; h < block.heads(); h++) {
                    holds(Invariants.matchIsMostSimilar(block, h, out.head(h)));
                    holds(Invariants.mergedRowsFollowFormula(block, h, out.head(h), p.merge(), Tolerance.MERGE));
                }
                holds(Invariants.identical(out, reference.compressor(p).compress(block, observed, b)));
            }
    }

    @Test void zeroNormKeysHaveCosineZeroAndTiesGoToTheLowestKeptPosition() {
        TokenLayout layout = TokenLayout.allText(6);
        float[] keys = {1, 0, /*1*/ 1, 0, /*2*/ 0, 0, /*3*/ 0, 1, /*4*/ 1, 0, /*5*/ 0, 0};
        KvBlock block = new KvBlock(keys, keys.clone(), 1, 6, 2, layout);
        Selection kept = new Selection(new int[][] {{1, 3, 4}}, 6);
        CompressedLayer out = reference.merger(new lookm.spec.policy.MergeSpec.Pivot()).merge(block, kept);
        // evicted 0 = (1,0) ties between kept 1 and 4 → index 0 (position 1); evicted 2 and 5 are zero → cosine 0 with all → index 0
        assertEquals(java.util.List.of(0, 0, 0), java.util.Arrays.stream(out.head(0).match()).boxed().toList());
        assertEquals(0f, out.head(0).matchSimilarity()[1]);
        holds(Invariants.finite(out));
    }

    @Test void scorersSayWhatTheObservationLacks() {
        KvBlock block = Layers.block(1, 2, LAYOUT, 4);
        Budget b = Budget.ratios(0.1, 0.1);
        assertMessage("needs recorded accumulated attention", () -> reference.compressor(Policies.named("lookm")).compress(block, Observation.none(), b));
        assertMessage("needs prefill queries", () -> reference.compressor(Policies.named("snapkv")).compress(block, Observation.none(), b));
        assertMessage("needs decode probe queries", () -> reference.compressor(Policies.named("oracle")).compress(block, Observation.none(), b));
        Queries tooFew = Queries.contiguous(new float[2 * 3 * 4], 2, 4, 93, 3);
        assertMessage("needs prefill queries for positions 0..95", () -> reference.compressor(
                Policies.named("h2o").withScoreSource(ScoreSource.RECOMPUTED)).compress(block, new Observation(null, tooFew, null), b));
        assertMessage("covers T=5", () -> reference.compressor(Policies.named("h2o"))
                .compress(block, Observation.ofScores(new AccumulatedAttention(new float[10], 2, 5)), b));
        assertMessage("not a multiple", () -> reference.compressor(Policies.named("h2o"))
                .compress(block, Observation.ofScores(new AccumulatedAttention(new float[3 * 96], 3, 96)), b));
    }

    @Test void releasedTextPriorRejectsNegativeScores() {
        assertMessage("head 1, token 3 has -1.0", () -> {
            float[] s = new float[2 * 96];
            s[96 + 3] = -1;
            reference.selector(Policies.named("lookm").select()).select(new Scores(s, 2, 96), LAYOUT, Budget.ratios(0.1, 0.1));
        });
    }

    @Test void theFilterAveragesEachSlotOverTheHeadsThatHaveIt() {
        // μ = [(0.9+0.3)/2, (0.1+0.7)/2, 0.5/1] = [0.6, 0.4, 0.5];  μ̄ = 2.5/5 = 0.5
        boolean[] keep = lookm.reference.merge.MeanSimilarityFilter.keep(new double[][] {{0.9, 0.1, 0.5}, {0.3, 0.7}});
        assertEquals(java.util.List.of(true, false, true), java.util.List.of(keep[0], keep[1], keep[2]));
        KvBlock block = Layers.block(1, 2, LAYOUT, 4);
        Selection uneven = new Selection(new int[][] {{0, 1, 2}, {0, 1}}, 96);
        for (String name : new String[] {"tp-weighted", "tp-average", "tp-average-released"}) {
            CompressedLayer out = reference.merger(Policies.named(name).merge()).merge(block, uneven);
            for (int h = 0; h < 2; h++) holds(Invariants.mergedRowsFollowFormula(block, h, out.head(h), Policies.named(name).merge(), Tolerance.MERGE));
        }
    }

    private static void assertMessage(String expected, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
