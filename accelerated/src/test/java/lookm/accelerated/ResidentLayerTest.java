package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One upload of K and V per compression, shared by the score and merge stages; released after the merge. */
class ResidentLayerTest {
    private static final Budget BUDGET = Budget.ratios(0.1, 0.1);

    /**
     * Tensors uploaded per compression: K for a score computed from it, V only for a merge that reads it on the device;
     * a drop gathers on the host (no upload), and a policy without a data score uploads nothing.
     */
    @ParameterizedTest(name = "{0}: {1} per compression")
    @CsvSource({"lookm, 2", "tp-average-released, 2", "h2o, 1", "snapkv-32, 1", "oracle, 1", "streaming-llm, 0"})
    void eachCompressionUploadsEachTensorAtMostOnce(String name, int tensorsPerCompression) {
        OpenClBackend backend = OpenClTestSupport.backend();
        Layers.Layer layer = Layers.layer(2, 4, 200, 32, 5);
        Compressor c = backend.compressor(Policies.named(name).withScoreSource(ScoreSource.RECOMPUTED));
        long before = backend.context().residentTensorUploads();
        c.compress(layer.block(), layer.observation(), BUDGET);
        c.compress(layer.block(), layer.observation(), BUDGET);
        assertEquals(2L * tensorsPerCompression, backend.context().residentTensorUploads() - before, "K and V uploads for two compressions");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lookm", "h2o"})
    void arraysRefilledBetweenCompressionsAreReadAgain(String name) {
        OpenClBackend backend = OpenClTestSupport.backend();
        Layers.Layer layer = Layers.layer(2, 4, 200, 32, 7), other = Layers.layer(2, 4, 200, 32, 8);
        KvBlock block = layer.block();
        Compressor c = backend.compressor(Policies.named(name).withScoreSource(ScoreSource.RECOMPUTED));
        c.compress(block, layer.observation(), BUDGET);
        // the same KvBlock instance, its arrays refilled with another layer's data (a reader reusing its buffers)
        System.arraycopy(other.block().keys(), 0, block.keys(), 0, block.keys().length);
        System.arraycopy(other.block().values(), 0, block.values(), 0, block.values().length);
        CompressedLayer refilled = c.compress(block, layer.observation(), BUDGET);
        CompressedLayer fresh = c.compress(other.block(), layer.observation(), BUDGET);
        for (int h = 0; h < fresh.headCount(); h++) {
            assertArrayEquals(fresh.head(h).kept(), refilled.head(h).kept(), "kept, head " + h);
            assertArrayEquals(fresh.head(h).keys(), refilled.head(h).keys(), "keys, head " + h);
            assertArrayEquals(fresh.head(h).values(), refilled.head(h).values(), "values, head " + h);
        }
    }

    /** The context's scratch buffer is kept between calls (no fresh pages per kernel), grown when asked for more. */
    @org.junit.jupiter.api.Test
    void theScratchBufferIsReusedAndGrown() {
        lookm.accelerated.cl.ClContext cl = OpenClTestSupport.backend().context();
        lookm.accelerated.cl.ClBuffer first = cl.scratch(1 << 16);
        org.junit.jupiter.api.Assertions.assertSame(first, cl.scratch(1 << 12), "a smaller request gets the same buffer");
        lookm.accelerated.cl.ClBuffer grown = cl.scratch(1 << 17);
        org.junit.jupiter.api.Assertions.assertTrue(grown.bytes() >= 1 << 17, "grown to at least the request");
        org.junit.jupiter.api.Assertions.assertSame(grown, cl.scratch(1 << 16));
    }
}
