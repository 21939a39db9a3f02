package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered policy, end to end on a seeded synthetic layer, OpenCL against the reference: with recorded
 * scores (as registered) and with scores recomputed from the prefill queries (NearTieRule for the boundary).
 */
class PolicyEquivalenceTest {
    private static final int KV_HEADS = 2, QUERY_HEADS = 4, TOKENS = 250, DIM = 32;
    private final ReferenceBackend reference = new ReferenceBackend();

    static Stream<String> policies() { return Policies.names().stream(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void recordedScoresGiveTheReferenceResult(String name) {
        check(Policies.named(name), 21);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void recomputedScoresGiveTheReferenceResultUpToNearTies(String name) {
        check(Policies.named(name).withScoreSource(ScoreSource.RECOMPUTED), 22);
    }

    private void check(PolicySpec policy, long seed) {
        OpenClBackend backend = OpenClTestSupport.backend();
        Layers.Layer layer = Layers.layer(KV_HEADS, QUERY_HEADS, TOKENS, DIM, seed);
        Budget budget = Budget.ratios(0.1, 0.1);
        Compressor ref = reference.compressor(policy), ours = OpenClTestSupport.compressorOrSkip(backend, policy);
        Scores refScores = ref.scorer().score(layer.block(), layer.observation(), budget);
        Scores ourScores = ours.scorer().score(layer.block(), layer.observation(), budget);
        boolean exactScores = exact(policy.score());
        if (exactScores) assertArrayEquals(refScores.values(), ourScores.values(), "scores of " + policy.name());
        Verdict v = Tolerance.SCORE.compare(refScores.values(), ourScores.values(), policy.name());
        assertTrue(v.holds(), v::toString);
        Selection refKept = ref.selector().select(refScores, layer.block().layout(), budget);
        Selection ourKept = ours.selector().select(ourScores, layer.block().layout(), budget);
        if (exactScores) assertTrue(refKept.contentEquals(ourKept), policy.name() + ": kept sets from identical scores");
        assertNull(NearTieRule.keptSets(refScores, layer.block().layout(), policy.select() instanceof SelectSpec.TextPrior, refKept, ourKept));
        // the whole pipeline, composed by the spec's Compressor; merges compared on equal kept sets
        CompressedLayer refOut = ref.compress(layer.block(), layer.observation(), budget);
        CompressedLayer ourOut = ours.compress(layer.block(), layer.observation(), budget);
        if (refOut.selection().contentEquals(ourOut.selection()))
            assertNull(NearTieRule.merges(layer.block(), refOut, ourOut, MergeEquivalenceTest.filtered(policy.merge())));
        else
            assertTrue(!exactScores, policy.name() + ": kept sets from identical scores must be identical");
    }

    static boolean exact(ScoreSpec score) {
        return score instanceof ScoreSpec.None || score instanceof ScoreSpec.Random
                || score instanceof ScoreSpec.AccumulatedAttention a && a.source() == ScoreSource.RECORDED;
    }
}
