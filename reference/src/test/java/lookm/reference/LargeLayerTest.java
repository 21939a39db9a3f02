package lookm.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/**
 * A full LLaVA-7B layer (32 heads, T = 8192, D = 128: 128 MiB each for K and V) compresses within the test
 * heap (-Xmx4g, less than the JVM default of 1/4 of this machine's memory). The pivot merge runs on two
 * heads of the same length: its working memory is per head, and time on 32 heads belongs in benchmarks.
 */
class LargeLayerTest {
    private static final int HEADS = 32, TOKENS = 8192, DIM = 128, IMAGE = 576;

    @Test void aFullLlava7bLayerFitsTheHeap() {
        TokenLayout layout = TokenLayout.builder().text(600).image(IMAGE).text(100).image(IMAGE).text(TOKENS - 700 - 2 * IMAGE).build();
        KvBlock block = randomBlock(HEADS, layout);
        Observation observed = Observation.ofScores(new AccumulatedAttention(uniform(HEADS * TOKENS), HEADS, TOKENS));
        CompressedLayer out = new ReferenceBackend().compressor(Policies.named("tp-drop")).compress(block, observed, Budget.ratios(0.1, 0.1));
        int textOutsideWindow = layout.textCount(0, TOKENS - 819);
        assertEquals(819 + Math.max(textOutsideWindow, 819), out.head(31).keptCount());

        KvBlock twoHeads = randomBlock(2, layout);
        CompressedLayer merged = new ReferenceBackend().compressor(Policies.named("lookm")).compress(twoHeads,
                Observation.ofScores(new AccumulatedAttention(uniform(2 * TOKENS), 2, TOKENS)), Budget.ratios(0.1, 0.1));
        assertEquals(TOKENS - merged.head(1).keptCount(), merged.head(1).mergedCount());
    }

    private static KvBlock randomBlock(int heads, TokenLayout layout) {
        SplittableRandom random = new SplittableRandom(heads);
        float[] keys = new float[heads * TOKENS * DIM], values = new float[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (float) random.nextDouble(-1, 1);
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return new KvBlock(keys, values, heads, TOKENS, DIM, layout);
    }

    private static float[] uniform(int n) {
        SplittableRandom random = new SplittableRandom(n);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) random.nextDouble();
        return out;
    }
}
