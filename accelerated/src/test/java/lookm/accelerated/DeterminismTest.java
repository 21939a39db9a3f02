package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Repeated runs on the device are bit-identical (no float atomics, fixed reduction orders). */
class DeterminismTest {
    private static final int REPEATS = 3;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lookm", "tp-average-released", "h2o-weighted", "snapkv", "oracle"})
    void repeatedRunsAreBitIdentical(String name) {
        OpenClBackend backend = OpenClTestSupport.backend();
        Layers.Layer layer = Layers.layer(2, 4, 300, 32, 17);
        Compressor c = backend.compressor(Policies.named(name).withScoreSource(ScoreSource.RECOMPUTED));
        Budget budget = Budget.ratios(0.1, 0.1);
        float[] scores = c.scorer().score(layer.block(), layer.observation(), budget).values();
        CompressedLayer first = c.compress(layer.block(), layer.observation(), budget);
        for (int i = 1; i < REPEATS; i++) {
            assertArrayEquals(scores, c.scorer().score(layer.block(), layer.observation(), budget).values(), "scores, run " + i);
            CompressedLayer again = c.compress(layer.block(), layer.observation(), budget);
            for (int h = 0; h < first.headCount(); h++) {
                assertArrayEquals(first.head(h).kept(), again.head(h).kept());
                assertArrayEquals(first.head(h).match(), again.head(h).match());
                assertArrayEquals(first.head(h).matchSimilarity(), again.head(h).matchSimilarity());
                assertArrayEquals(first.head(h).mergeTarget(), again.head(h).mergeTarget());
                assertArrayEquals(first.head(h).keys(), again.head(h).keys(), "keys, head " + h + ", run " + i);
                assertArrayEquals(first.head(h).values(), again.head(h).values(), "values, head " + h + ", run " + i);
            }
        }
    }
}
