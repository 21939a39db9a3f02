package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import lookm.accelerated.cl.Tiling;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Agreement;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.Scores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The other register-tile shapes (the GPU default 4×8 and others) on the test device, and tiny layers smaller than
 * a tile: recomputed scores within SCORE, kept sets and merges by the spec's agreement rule.
 */
class TilingTest {
    private static final Tiling[] TILINGS = {Tiling.GPU, new Tiling(8, 4), new Tiling(2, 16)};
    private static final OpenClBackend[] BACKENDS = new OpenClBackend[TILINGS.length];
    private final ReferenceBackend reference = new ReferenceBackend();

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> out = Stream.builder();
        for (int t = 0; t < TILINGS.length; t++)
            for (String policy : new String[] {"lookm", "snapkv-32", "h2o-weighted", "oracle"})
                for (int tokens : new int[] {7, 150}) out.add(Arguments.of(t, policy, tokens));
        return out.build();
    }

    private static synchronized OpenClBackend backend(int t) {
        if (BACKENDS[t] == null) BACKENDS[t] = OpenClBackend.open(OpenClTestSupport.backend().deviceInfo(), TILINGS[t]);
        return BACKENDS[t];
    }

    @AfterAll
    static synchronized void close() {
        for (OpenClBackend b : BACKENDS) if (b != null) b.close();
    }

    @ParameterizedTest(name = "tiling {0}: {1} T={2}")
    @MethodSource("cases")
    void everyTileShapeAgreesWithTheReference(int tiling, String name, int tokens) {
        OpenClBackend backend = backend(tiling);
        PolicySpec policy = Policies.named(name).withScoreSource(ScoreSource.RECOMPUTED);
        Layers.Layer layer = Layers.layer(2, 4, tokens, 24, tokens);
        Budget budget = tokens < 16 ? Budget.counts(2, 2) : Budget.ratios(0.1, 0.1);
        Compressor.Stages expected = reference.compressor(policy).run(layer.block(), layer.observation(), budget);
        Compressor.Stages actual = backend.compressor(policy).run(layer.block(), layer.observation(), budget);
        Agreement agreement = Agreement.of(policy, layer.block(), expected, actual);
        assertTrue(agreement.agrees(), () -> name + ": " + agreement);
    }
}
