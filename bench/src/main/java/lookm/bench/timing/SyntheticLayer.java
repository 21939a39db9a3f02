package lookm.bench.timing;

import java.util.SplittableRandom;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * A cheap seeded layer of a given shape (H, T, D) for timing, when no trace is given: Gaussian keys, values and
 * queries, recorded accumulated attention with a heavy-tailed profile (sinks and a few heavy hitters), and a
 * LLaVA-like layout (a short text prefix, one image of {@link #IMAGE_SHARE} of the tokens, a text suffix).
 * MHA (Hq = H). No O(T²) attention is computed, so a LLaVA-7B-sized layer is made in about a second.
 *
 * @param block       (H, T, D)
 * @param observation recorded attention (H, T), all T prefill queries (so every policy runs, and scores can be
 *                    recomputed), {@link #PROBES} probes
 */
public record SyntheticLayer(KvBlock block, Observation observation) {
    /** Share of positions that are image tokens. */
    public static final double IMAGE_SHARE = 0.6;
    /** Share of positions in the text prefix before the image. */
    public static final double PREFIX_SHARE = 0.05;
    /** Stored decode probes (for the hindsight oracle). */
    public static final int PROBES = 8;
    /** Leading positions with a large recorded attention (attention sinks). */
    public static final int SINKS = 4;
    /** The default seed of {@code lookm bench}. */
    public static final long DEFAULT_SEED = 42L;

    /** Makes the layer; the same (shape, seed) always gives the same floats. */
    public static SyntheticLayer make(int heads, int tokens, int headDim, long seed) {
        if (heads < 1 || tokens < 2 || headDim < 1)
            throw new IllegalArgumentException("--shape must be H,T,D with H >= 1, T >= 2, D >= 1, was " + heads + "," + tokens + "," + headDim);
        int prefix = Math.max(1, (int) (tokens * PREFIX_SHARE));
        int image = Math.min(tokens - prefix, (int) (tokens * IMAGE_SHARE));
        TokenLayout layout = TokenLayout.builder().text(prefix).image(image).text(tokens - prefix - image).build();
        SplittableRandom random = new SplittableRandom(seed);
        int n = Math.multiplyExact(Math.multiplyExact(heads, tokens), headDim);
        float[] keys = gaussian(random, n), values = gaussian(random, n);
        float[] attention = new float[heads * tokens];
        for (int h = 0; h < heads; h++)
            for (int t = 0; t < tokens; t++) {
                double heavyTail = -Math.log(1 - random.nextDouble());                 // Exp(1)
                attention[h * tokens + t] = (float) (t < SINKS ? tokens / 4.0 : heavyTail * heavyTail);
            }
        Queries prefill = Queries.contiguous(gaussian(random, n), heads, headDim, 0, tokens);
        Queries probes = Queries.contiguous(gaussian(random, heads * PROBES * headDim), heads, headDim, tokens, PROBES);
        return new SyntheticLayer(new KvBlock(keys, values, heads, tokens, headDim, layout),
                new Observation(new AccumulatedAttention(attention, heads, tokens), prefill, probes));
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i += 2) {                                      // Box-Muller, two at a time
            double r = Math.sqrt(-2 * Math.log(1 - random.nextDouble())), a = 2 * Math.PI * random.nextDouble();
            out[i] = (float) (r * Math.cos(a));
            if (i + 1 < n) out[i + 1] = (float) (r * Math.sin(a));
        }
        return out;
    }
}
