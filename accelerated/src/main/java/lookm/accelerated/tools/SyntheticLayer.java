package lookm.accelerated.tools;

import java.util.Random;

import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * A seeded synthetic LLaVA-like layer for timing: Gaussian keys, values and prefill queries (H, T, D), and a layout
 * of text with 576-token images (as LLaVA-1.5 expands each image).
 */
public record SyntheticLayer(KvBlock block, Observation observation) {
    public static final int LLAVA_HEADS = 32, LLAVA_TOKENS = 4096, LLAVA_HEAD_DIM = 128;
    /** Tokens per image in LLaVA-1.5 (24 × 24 CLIP patches). */
    public static final int IMAGE_TOKENS = 576;
    /** Images in the timing layer, text around them. */
    public static final int IMAGES = 6, TEXT_BEFORE = 64, TEXT_BETWEEN = 16;
    /** The shipped scripts' budget: heavy and recent ratios 0.1 and 0.1. */
    public static final double RATIO = 0.1;
    public static final long SEED = 2406_18139L;
    /** Query scale that makes the softmax rows peaky, as trained attention is. */
    private static final float QUERY_SCALE = 2f;

    /** text 64, then images of 576 tokens separated by 16 text tokens while they fit, then text to T. */
    public static TokenLayout llavaLayout(int tokens) {
        TokenLayout.Builder b = TokenLayout.builder().text(Math.min(TEXT_BEFORE, tokens));
        int used = Math.min(TEXT_BEFORE, tokens);
        for (int i = 0; i < IMAGES && used + IMAGE_TOKENS + TEXT_BETWEEN <= tokens; i++) {
            b.image(IMAGE_TOKENS).text(TEXT_BETWEEN);
            used += IMAGE_TOKENS + TEXT_BETWEEN;
        }
        return b.text(tokens - used).build();
    }

    public static SyntheticLayer llava(int heads, int tokens, int dim, long seed) {
        Random random = new Random(seed);
        float[] keys = gaussian(random, heads * tokens * dim, 1f), values = gaussian(random, heads * tokens * dim, 1f);
        float[] queries = gaussian(random, heads * tokens * dim, QUERY_SCALE);
        KvBlock block = new KvBlock(keys, values, heads, tokens, dim, llavaLayout(tokens));
        return new SyntheticLayer(block, new Observation(null, Queries.contiguous(queries, heads, dim, 0, tokens), null));
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) random.nextGaussian() * scale;
        return out;
    }
}
