package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Agreement;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.Budget;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered policy, end to end on a seeded synthetic layer, OpenCL against the reference: with recorded
 * scores (as registered) and with scores recomputed from the prefill queries (the spec's agreement rule, {@link Agreement}).
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
        Compressor.Stages expected = reference.compressor(policy).run(layer.block(), layer.observation(), budget);
        Compressor.Stages actual = backend.compressor(policy).run(layer.block(), layer.observation(), budget);
        if (policy.score().bitIdenticalAcrossBackends()) {
            assertArrayEquals(expected.scores().values(), actual.scores().values(), "scores of " + policy.name());
            assertTrue(expected.selection().contentEquals(actual.selection()), policy.name() + ": kept sets from identical scores");
        }
        Agreement agreement = Agreement.of(policy, layer.block(), expected, actual);
        assertTrue(agreement.agrees(), () -> policy.name() + ": " + agreement);
    }
}
