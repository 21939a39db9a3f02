package lookm.traces.synth;

import java.util.Arrays;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.CacheDtype;

/**
 * Shape and content of a synthetic trace. The prompt is {@code text[0] image text[1] image ... text[n]}: n images
 * of {@code tokensPerImage} tokens each, interleaved with n + 1 text runs.
 *
 * @param modelName      written into the metadata
 * @param layers         L
 * @param queryHeads     Hq (a multiple of kvHeads: grouped-query attention when larger)
 * @param kvHeads        Hkv
 * @param headDim        D, at least {@link SyntheticTraceGenerator#MIN_HEAD_DIM}
 * @param dtype          storage type when written
 * @param tokensPerImage tokens per image (576 LLaVA-1.5, 144 MobileVLM); patches form a ceil(sqrt(n)) grid
 * @param textRuns       lengths of the n + 1 text runs (n = images), each >= 0
 * @param sinkTokens     leading positions with attention-sink keys
 * @param prefillQueries W, last prefill queries to store (0 none, T all)
 * @param probes         P, decode probe queries at positions T .. T+P-1
 * @param attentionStride 1 = accumulated attention exact; s > 1 = only every s-th query row (ending at T-1) is
 *                       computed and weighted by s, an estimate for very large traces (noted in the metadata)
 * @param seed           everything is a deterministic function of the seed and the position in the trace
 * @param preset         a current-VLM layout ({@link SynthLayout}: qwen2-vl, anyres, video) written as a v2 trace, or
 *                       null for the text/image prompt above (v1); with a preset, tokensPerImage and the middle text
 *                       runs are not used (the first and last text runs are the preset's text before and after)
 * @param decode         also store the decode part: keys and values of the P probe positions, as generated text tokens
 *                       (the probes are then the generated tokens' queries); needs P >= 1
 */
public record SynthConfig(String modelName, int layers, int queryHeads, int kvHeads, int headDim, CacheDtype dtype,
                          int tokensPerImage, int[] textRuns, int sinkTokens, int prefillQueries, int probes,
                          int attentionStride, long seed, SynthLayout preset, boolean decode) {
    public SynthConfig {
        textRuns = textRuns.clone();
        new HeadGroups(queryHeads, kvHeads);
        if (layers <= 0) throw new IllegalArgumentException("layers must be >= 1, was " + layers);
        if (headDim < SyntheticTraceGenerator.MIN_HEAD_DIM)
            throw new IllegalArgumentException("headDim must be >= " + SyntheticTraceGenerator.MIN_HEAD_DIM + ", was " + headDim);
        if (textRuns.length == 0) throw new IllegalArgumentException("textRuns needs at least one run (images = runs - 1)");
        for (int r : textRuns) if (r < 0) throw new IllegalArgumentException("text runs must be >= 0, got " + Arrays.toString(textRuns));
        if (textRuns.length > 1 && tokensPerImage <= 0) throw new IllegalArgumentException("tokensPerImage must be >= 1, was " + tokensPerImage);
        if (sinkTokens < 0) throw new IllegalArgumentException("sinkTokens must be >= 0, was " + sinkTokens);
        int t = preset != null ? preset.layout().size() : tokens(textRuns, tokensPerImage);
        if (prefillQueries < 0 || prefillQueries > t)
            throw new IllegalArgumentException("prefillQueries must be in [0, T=" + t + "], was " + prefillQueries);
        if (probes < 0) throw new IllegalArgumentException("probes must be >= 0, was " + probes);
        if (attentionStride < 1) throw new IllegalArgumentException("attentionStride must be >= 1, was " + attentionStride);
        if (decode && probes < 1)
            throw new IllegalArgumentException("a decode part needs probes >= 1 (its generated tokens are the probe positions), was " + probes);
    }

    @Override public int[] textRuns() { return textRuns.clone(); }

    public int images() { return textRuns.length - 1; }

    /** T = sum of text runs + images · tokensPerImage (with a preset: its layout's size). */
    public int tokens() { return preset != null ? preset.layout().size() : tokens(textRuns, tokensPerImage); }

    private static int tokens(int[] textRuns, int tokensPerImage) {
        long t = (long) (textRuns.length - 1) * Math.max(tokensPerImage, 0);
        for (int r : textRuns) t += r;
        if (t <= 0 || t > Integer.MAX_VALUE) throw new IllegalArgumentException("the prompt has " + t + " tokens");
        return (int) t;
    }

    public TokenLayout layout() {
        if (preset != null) return preset.layout();
        TokenLayout.Builder b = TokenLayout.builder().text(textRuns[0]);
        for (int i = 1; i < textRuns.length; i++) b.image(tokensPerImage).text(textRuns[i]);
        return b.build();
    }

    /** A builder starting from a small LLaVA-like shape: 1 image of 576 tokens. */
    public static Builder builder() { return new Builder(); }

    public Builder toBuilder() {
        return new Builder().modelName(modelName).shape(layers, queryHeads, kvHeads, headDim).dtype(dtype)
                .images(tokensPerImage, textRuns).sinkTokens(sinkTokens).prefillQueries(prefillQueries).probes(probes)
                .attentionStride(attentionStride).seed(seed).preset(preset).decode(decode);
    }

    /** Fluent construction with defaults; {@link #build()} validates. */
    public static final class Builder {
        /** LLaVA-1.5's 24 x 24 CLIP patches. */
        public static final int LLAVA_TOKENS_PER_IMAGE = 576;
        /** MobileVLM's 12 x 12 after its projector. */
        public static final int MOBILEVLM_TOKENS_PER_IMAGE = 144;
        private static final int DEFAULT_SINKS = 4;
        private static final int DEFAULT_TEXT_BEFORE = 32;
        private static final int DEFAULT_TEXT_AFTER = 96;
        private static final int DEFAULT_HEAD_DIM = 64;
        private static final int DEFAULT_HEADS = 4;
        private String modelName = "synthetic";
        private int layers = 2, queryHeads = DEFAULT_HEADS, kvHeads = DEFAULT_HEADS, headDim = DEFAULT_HEAD_DIM;
        private CacheDtype dtype = CacheDtype.FLOAT16;
        private int tokensPerImage = LLAVA_TOKENS_PER_IMAGE;
        private int[] textRuns = {DEFAULT_TEXT_BEFORE, DEFAULT_TEXT_AFTER};
        private int sinkTokens = DEFAULT_SINKS, prefillQueries, probes, attentionStride = 1;
        private long seed;
        private SynthLayout preset;
        private boolean decode;

        public Builder modelName(String v) { modelName = v; return this; }

        public Builder shape(int layers, int queryHeads, int kvHeads, int headDim) {
            this.layers = layers;
            this.queryHeads = queryHeads;
            this.kvHeads = kvHeads;
            this.headDim = headDim;
            return this;
        }

        public Builder dtype(CacheDtype v) { dtype = v; return this; }

        /** n images of {@code tokensPerImage} tokens between the n + 1 given text runs. */
        public Builder images(int tokensPerImage, int... textRuns) {
            this.tokensPerImage = tokensPerImage;
            this.textRuns = textRuns.clone();
            return this;
        }

        public Builder textOnly(int tokens) { return images(0, tokens); }
        public Builder sinkTokens(int v) { sinkTokens = v; return this; }
        public Builder prefillQueries(int v) { prefillQueries = v; return this; }
        public Builder probes(int v) { probes = v; return this; }
        public Builder attentionStride(int v) { attentionStride = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** A current-VLM layout preset (v2 trace), or null for the text/image prompt. */
        public Builder preset(SynthLayout v) { preset = v; return this; }
        /** Also store the keys and values of the probe positions (the decode part). */
        public Builder decode(boolean v) { decode = v; return this; }

        public SynthConfig build() {
            return new SynthConfig(modelName, layers, queryHeads, kvHeads, headDim, dtype, tokensPerImage, textRuns,
                    sinkTokens, prefillQueries, probes, attentionStride, seed, preset, decode);
        }
    }
}
