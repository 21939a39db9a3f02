package lookm.accelerated;

import java.util.Random;

import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/** Seeded synthetic layers (H, T, D) with a multimodal layout, prefill queries, probes and recorded scores. */
final class Layers {
    /** Probe (decode) queries per layer, at positions T, T+1, … */
    static final int PROBES = 8;
    /** Recorded scores are rounded to multiples of this, so that exact ties occur. */
    static final float SCORE_GRID = 1f / 16;
    /** Query scale: makes the softmax rows peaky, as real attention is. */
    static final float QUERY_SCALE = 2f;

    private Layers() {}

    /** A layer and what was observed with it. */
    record Layer(KvBlock block, Observation observation, int queryHeads) {}

    /** text 10% | image 40% | text 10% | image 30% | text rest. */
    static TokenLayout multimodal(int tokens) {
        int t1 = tokens / 10, i1 = tokens * 4 / 10, t2 = tokens / 10, i2 = tokens * 3 / 10;
        return TokenLayout.builder().text(t1).image(i1).text(t2).image(i2).text(tokens - t1 - i1 - t2 - i2).build();
    }

    static Layer layer(int kvHeads, int queryHeads, int tokens, int dim, long seed) {
        return layer(kvHeads, queryHeads, tokens, dim, multimodal(tokens), seed);
    }

    static Layer layer(int kvHeads, int queryHeads, int tokens, int dim, TokenLayout layout, long seed) {
        Random random = new Random(seed);
        float[] keys = gaussian(random, kvHeads * tokens * dim, 1f);
        float[] values = gaussian(random, kvHeads * tokens * dim, 1f);
        float[] prefill = gaussian(random, queryHeads * tokens * dim, QUERY_SCALE);
        float[] probes = gaussian(random, queryHeads * PROBES * dim, QUERY_SCALE);
        float[] recorded = new float[queryHeads * tokens];
        for (int i = 0; i < recorded.length; i++)
            recorded[i] = Math.round((float) -Math.log(1 - random.nextDouble()) * 4 / SCORE_GRID) * SCORE_GRID;
        KvBlock block = new KvBlock(keys, values, kvHeads, tokens, dim, layout);
        Observation observation = new Observation(new AccumulatedAttention(recorded, queryHeads, tokens),
                Queries.contiguous(prefill, queryHeads, dim, 0, tokens), Queries.contiguous(probes, queryHeads, dim, tokens, PROBES));
        return new Layer(block, observation, queryHeads);
    }

    static float[] gaussian(Random random, int n, float scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) random.nextGaussian() * scale;
        return out;
    }
}
