package lookm.traces.synth;

import java.util.SplittableRandom;
import lookm.spec.tensor.TokenLayout;

/**
 * The generative model of one layer (traces/FORMAT.md, "Synthetic traces"). Head dimensions are split into
 * <pre>
 *   [0] sink axis   [1] text axis   [2] image axis   [3, 3+2F) positional (cos, sin) pairs   [3+2F, D) content
 * </pre>
 * and every vector is scaled by s = D^(1/4), so that a product of two components contributes a·b to the logit
 * q·k / sqrt(D). Logit of query i on key j:
 * <pre>
 *   (1) sink      sinkLogit                     if j < sinkTokens
 *   (2) modality  textBonus                     if j is text (image keys carry the image axis, queries ignore it)
 *   (3) recency   recency · Σ_f w_f² cos(ω_f (i − j))     peaks at i = j, like RoPE's decay with distance
 *   (4) content   ~ N(0, 1)                     text keys i.i.d.; image keys a smooth field over the patch grid
 * </pre>
 * Image keys and values are f(row, col) + noise with f a sum of low-frequency plane waves, so neighbouring
 * patches have similar keys (cosine ~0.9) and merging has something to find. Every random draw is keyed by
 * (seed, layer, head, position), so any part can be regenerated alone.
 */
final class TokenVectors {
    static final int SINK_AXIS = 0, TEXT_AXIS = 1, IMAGE_AXIS = 2;
    static final int FREQUENCIES = 4;
    static final int STRUCTURED_DIMS = 3 + 2 * FREQUENCIES;
    static final int MIN_CONTENT_DIMS = 5;
    /** ω_f = BASE_FREQUENCY / FREQUENCY_RATIO^f, radians per token: 0.5, 0.125, 0.03, 0.008. */
    private static final double BASE_FREQUENCY = 0.5, FREQUENCY_RATIO = 4.0;
    /** Per-layer draws: sink logit in [4, 6], text bonus in [1, 2], recency peak in [1.5, 3]. */
    private static final double SINK_MIN = 4, SINK_SPAN = 2, TEXT_MIN = 1, TEXT_SPAN = 1, RECENCY_MIN = 1.5, RECENCY_SPAN = 1.5;
    /** Magnitude of the sink and image axes of keys (queries carry the logit / this). */
    private static final double KEY_AXIS = 2.0;
    /** Plane waves per image field and their largest integer frequency over the grid. */
    private static final int WAVES = 4, MAX_WAVE = 2;
    /** Per-patch noise on top of the smooth field (the field itself has variance ~1/2 per dimension). */
    private static final double PATCH_NOISE = 0.25;
    private static final long STREAM_LAYER = 1, STREAM_KEY = 2, STREAM_VALUE = 3, STREAM_QUERY = 4, STREAM_FIELD = 5;

    private final SynthConfig config;
    private final TokenLayout layout;
    private final int layer, d, content;
    private final double scale, sinkLogit, textBonus, recency;
    private final double[] weights = new double[FREQUENCIES];
    private final int grid;

    TokenVectors(SynthConfig config, TokenLayout layout, int layer) {
        this.config = config;
        this.layout = layout;
        this.layer = layer;
        this.d = config.headDim();
        this.content = d - STRUCTURED_DIMS;
        this.scale = Math.pow(d, 0.25);
        SplittableRandom r = rng(STREAM_LAYER, 0, 0);
        sinkLogit = SINK_MIN + SINK_SPAN * r.nextDouble();
        textBonus = TEXT_MIN + TEXT_SPAN * r.nextDouble();
        recency = RECENCY_MIN + RECENCY_SPAN * r.nextDouble();
        double total = 0;
        for (int f = 0; f < FREQUENCIES; f++) total += weights[f] = r.nextDouble();
        for (int f = 0; f < FREQUENCIES; f++) weights[f] = Math.sqrt(weights[f] / total);
        grid = (int) Math.ceil(Math.sqrt(Math.max(config.tokensPerImage(), 1)));
    }

    /** A generator for one (stream, head, position): independent of the order anything is generated in. */
    private SplittableRandom rng(long stream, int head, long position) {
        long h = config.seed();
        h = mix(h ^ stream * 0x9E3779B97F4A7C15L);
        h = mix(h ^ layer * 0xC2B2AE3D27D4EB4FL);
        h = mix(h ^ head * 0x165667B19E3779F9L);
        return new SplittableRandom(mix(h ^ position));
    }

    /** SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fills keys and values of KV head h, (T, D) each, at {@code offset}. */
    void keysAndValues(int h, float[] keys, float[] values, int offset) {
        ImageField keyField = new ImageField(h, 0), valueField = new ImageField(h, 1);
        for (int t = 0; t < layout.size(); t++) {
            int at = offset + t * d;
            SplittableRandom kr = rng(STREAM_KEY, h, t), vr = rng(STREAM_VALUE, h, t);
            if (t < config.sinkTokens()) keys[at + SINK_AXIS] = (float) (scale * KEY_AXIS);
            keys[at + (layout.isText(t) ? TEXT_AXIS : IMAGE_AXIS)] = (float) (scale * (layout.isText(t) ? 1 : KEY_AXIS));
            positional(t, Math.sqrt(recency), keys, at);
            if (layout.isText(t)) {
                textContent(kr, vr, keys, values, at);
            } else {
                int patch = t - imageStart(t);
                keyField.fill(layout.imageIndex(t), patch / grid, patch % grid, kr, keys, at + STRUCTURED_DIMS, content);
                valueField.fill(layout.imageIndex(t), patch / grid, patch % grid, vr, values, at, d);
            }
        }
    }

    /** Content of a text token: key content dims and the whole value ~ s·N(0, 1), from the position's own generators. */
    private void textContent(SplittableRandom kr, SplittableRandom vr, float[] keys, float[] values, int at) {
        gaussian(kr, 1, keys, at + STRUCTURED_DIMS, content);
        gaussian(vr, 1, values, at, d);
    }

    /**
     * Keys and values of KV head h for generated text tokens at positions [first, first + n) (the decode part), (n, D)
     * each at {@code offset}: a text token's key (text axis, positional pairs, content) and value, as in the prompt.
     */
    void generatedKeysAndValues(int h, int first, int n, float[] keys, float[] values, int offset) {
        for (int i = 0; i < n; i++) {
            int at = offset + i * d, t = first + i;
            keys[at + TEXT_AXIS] = (float) scale;
            positional(t, Math.sqrt(recency), keys, at);
            textContent(rng(STREAM_KEY, h, t), rng(STREAM_VALUE, h, t), keys, values, at);
        }
    }

    /** Queries of query head q at positions [first, first + n), (n, D). */
    float[] queries(int q, int first, int n) {
        float[] out = new float[n * d];
        double contentScale = 1.0 / Math.sqrt(content);
        for (int i = 0; i < n; i++) {
            int at = i * d, position = first + i;
            out[at + SINK_AXIS] = (float) (scale * sinkLogit / KEY_AXIS);
            out[at + TEXT_AXIS] = (float) (scale * textBonus);
            positional(position, Math.sqrt(recency), out, at);
            gaussian(rng(STREAM_QUERY, q, position), contentScale, out, at + STRUCTURED_DIMS, content);
        }
        return out;
    }

    /** (3) v[3+2f] = s·a·w_f·cos(ω_f t), v[4+2f] = s·a·w_f·sin(ω_f t): q·k sums to a²·Σ w_f² cos(ω_f Δ). */
    private void positional(int t, double amplitude, float[] out, int at) {
        double omega = BASE_FREQUENCY;
        for (int f = 0; f < FREQUENCIES; f++, omega /= FREQUENCY_RATIO) {
            out[at + 3 + 2 * f] = (float) (scale * amplitude * weights[f] * Math.cos(omega * t));
            out[at + 4 + 2 * f] = (float) (scale * amplitude * weights[f] * Math.sin(omega * t));
        }
    }

    /** out[at .. at + n) = s·σ·N(0, 1). */
    private void gaussian(SplittableRandom r, double sigma, float[] out, int at, int n) {
        for (int i = at; i < at + n; i++) out[i] = (float) (scale * sigma * gauss(r));
    }

    private int imageStart(int t) {
        int s = t;
        while (s > 0 && layout.imageIndex(s - 1) == layout.imageIndex(t)) s--;
        return s;
    }

    /** Standard normal by Box-Muller (SplittableRandom has no nextGaussian on JDK 17). */
    static double gauss(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** A smooth random field over an image's patch grid: Σ_m a_m cos(2π(α_m r + β_m c)/grid + φ_m) + noise. */
    private final class ImageField {
        private final int head, which;
        private int image = -1;
        private double[][] amplitude;
        private int[] alpha, beta;
        private double[] phase;

        /** @param which 0 for keys, 1 for values */
        ImageField(int head, int which) {
            this.head = head;
            this.which = which;
        }

        void fill(int img, int row, int col, SplittableRandom noise, float[] out, int at, int width) {
            if (img != image) draw(img, width);
            for (int i = 0; i < width; i++) {
                double v = 0;
                for (int m = 0; m < WAVES; m++)
                    v += amplitude[m][i] * Math.cos(2 * Math.PI * (alpha[m] * row + beta[m] * col) / grid + phase[m]);
                out[at + i] = (float) (scale * (v + PATCH_NOISE * gauss(noise)));
            }
        }

        /** Waves of image {@code img}: amplitudes N(0, 1/WAVES) per dimension, frequencies in [0, MAX_WAVE]. */
        private void draw(int img, int width) {
            SplittableRandom r = rng(STREAM_FIELD, head, 2L * img + which);
            image = img;
            amplitude = new double[WAVES][width];
            alpha = new int[WAVES];
            beta = new int[WAVES];
            phase = new double[WAVES];
            for (int m = 0; m < WAVES; m++) {
                alpha[m] = r.nextInt(MAX_WAVE + 1);
                beta[m] = r.nextInt(MAX_WAVE + 1);
                phase[m] = 2 * Math.PI * r.nextDouble();
                for (int i = 0; i < width; i++) amplitude[m][i] = gauss(r) / Math.sqrt(WAVES);
            }
        }
    }
}
