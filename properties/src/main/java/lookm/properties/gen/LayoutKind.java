package lookm.properties.gen;

import java.util.Arrays;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.TokenDetails;
import lookm.spec.tensor.TokenLayout;

/** The layouts a generated cache may have; {@link #draw} builds one of T tokens. The first kind is where shrinking goes. */
public enum LayoutKind {
    ALL_TEXT {
        @Override TokenLayout build(Source s, int tokens) { return TokenLayout.allText(tokens); }
    },
    ALL_IMAGE {
        @Override TokenLayout build(Source s, int tokens) { return TokenLayout.builder().image(tokens).build(); }
    },
    /** text, one image of at least one token, text (either text run may be empty). */
    ONE_IMAGE {
        @Override TokenLayout build(Source s, int tokens) {
            int image = s.intBetween(1, tokens), before = s.intBetween(0, tokens - image);
            return TokenLayout.builder().text(before).image(image).text(tokens - image - before).build();
        }
    },
    /** Images of 1 to {@value #SMALL_IMAGE} tokens, separated by text runs that may be empty (adjacent images). */
    MANY_SMALL_IMAGES {
        @Override TokenLayout build(Source s, int tokens) {
            TokenLayout.Builder b = TokenLayout.builder();
            for (int t = 0; t < tokens; ) {
                int text = Math.min(tokens - t, s.intBetween(0, 2));
                b.text(text);
                t += text;
                int image = Math.min(tokens - t, s.intBetween(1, SMALL_IMAGE));
                b.image(image);
                t += image;
            }
            return b.build();
        }
    },
    /** The cache starts with an image (sink positions are image tokens). */
    IMAGE_AT_START {
        @Override TokenLayout build(Source s, int tokens) {
            int image = s.intBetween(1, tokens);
            return TokenLayout.builder().image(image).text(tokens - image).build();
        }
    },
    /** The cache ends with an image, so a recent window of any length R >= 1 holds image tokens. */
    IMAGE_AT_END {
        @Override TokenLayout build(Source s, int tokens) {
            int image = s.intBetween(1, tokens);
            return TokenLayout.builder().text(tokens - image).image(image).build();
        }
    },
    /** Alternating runs of random lengths, starting with either modality. */
    INTERLEAVED {
        @Override TokenLayout build(Source s, int tokens) {
            TokenLayout.Builder b = TokenLayout.builder();
            boolean image = s.percent(50);
            for (int t = 0; t < tokens; image = !image) {
                int run = Math.min(tokens - t, s.intBetween(1, Math.max(1, tokens / 3)));
                if (image) b.image(run);
                else b.text(run);
                t += run;
            }
            return b.build();
        }
    },
    /**
     * Current-VLM structure (v2 token details): text runs between Qwen2-VL-like images (special start, patches, special
     * end), AnyRes images (base view, tile rows each ended by a special newline) and videos (frames of patches, a closing
     * special); the last item may be cut short by T. Special tokens are text-prior class, video tokens visual.
     */
    VLM {
        @Override TokenLayout build(Source s, int tokens) {
            Vlm v = new Vlm(tokens);
            while (v.p < tokens) {
                v.text(s.intBetween(0, 2));
                switch (s.intBetween(0, 2)) {
                    case 0 -> v.qwenImage(s.intBetween(1, VLM_ITEM));
                    case 1 -> v.anyres(s.intBetween(1, VLM_TILE_SIDE), s.intBetween(1, 2));
                    default -> v.video(s.intBetween(1, VLM_ITEM), s.intBetween(1, VLM_FRAMES));
                }
            }
            return TokenLayout.fromDetails(v.details());
        }
    };

    /** Longest image of {@link #MANY_SMALL_IMAGES}. */
    public static final int SMALL_IMAGE = 3;
    /** {@link #VLM}: most patches of a Qwen-like image or of one video frame, tile side, frames per video. */
    public static final int VLM_ITEM = 6, VLM_TILE_SIDE = 3, VLM_FRAMES = 3;

    /** Fills the token details of {@link #VLM} position by position, stopping at T. */
    private static final class Vlm {
        final Modality[] modality;
        final int[] image, video, tile, frame, rope;
        int p, images, videos;

        Vlm(int t) {
            modality = new Modality[t];
            image = new int[t];
            video = new int[t];
            tile = new int[t];
            frame = new int[t];
            rope = new int[t];
            for (int[] a : new int[][] {image, video, tile, frame}) Arrays.fill(a, TokenDetails.NONE);
            for (int i = 0; i < t; i++) rope[i] = i;
        }

        boolean put(Modality m, int img, int vid, int til, int fr) {
            if (p >= modality.length) return false;
            modality[p] = m;
            image[p] = img;
            video[p] = vid;
            tile[p] = til;
            frame[p] = fr;
            p++;
            return true;
        }

        void text(int n) { for (int i = 0; i < n; i++) put(Modality.TEXT, TokenDetails.NONE, TokenDetails.NONE, TokenDetails.NONE, TokenDetails.NONE); }

        void qwenImage(int patches) {
            int id = images++;
            put(Modality.SPECIAL, id, TokenDetails.NONE, TokenDetails.NONE, TokenDetails.NONE);
            for (int i = 0; i < patches; i++) put(Modality.IMAGE, id, TokenDetails.NONE, 0, TokenDetails.NONE);
            put(Modality.SPECIAL, id, TokenDetails.NONE, TokenDetails.NONE, TokenDetails.NONE);
        }

        void anyres(int side, int grid) {
            int id = images++;
            for (int i = 0; i < side * side; i++) put(Modality.IMAGE, id, TokenDetails.NONE, 0, TokenDetails.NONE);
            for (int row = 0; row < side * grid; row++) {
                for (int col = 0; col < side * grid; col++)
                    put(Modality.IMAGE, id, TokenDetails.NONE, 1 + (row / side) * grid + col / side, TokenDetails.NONE);
                put(Modality.SPECIAL, id, TokenDetails.NONE, TokenDetails.NONE, TokenDetails.NONE);
            }
        }

        void video(int perFrame, int frames) {
            int id = videos++;
            for (int f = 0; f < frames; f++)
                for (int i = 0; i < perFrame; i++) put(Modality.VIDEO, TokenDetails.NONE, id, TokenDetails.NONE, f);
            put(Modality.SPECIAL, TokenDetails.NONE, id, TokenDetails.NONE, TokenDetails.NONE);
        }

        TokenDetails details() { return new TokenDetails(modality, image, video, tile, frame, new int[][] {rope, rope, rope}, 1); }
    }

    abstract TokenLayout build(Source s, int tokens);

    /** A layout of this kind over {@code tokens} positions. */
    public Draw<TokenLayout> draw(int tokens) { return s -> build(s, tokens); }
}
