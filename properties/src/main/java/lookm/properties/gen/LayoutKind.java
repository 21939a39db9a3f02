package lookm.properties.gen;

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
    };

    /** Longest image of {@link #MANY_SMALL_IMAGES}. */
    public static final int SMALL_IMAGE = 3;

    abstract TokenLayout build(Source s, int tokens);

    /** A layout of this kind over {@code tokens} positions. */
    public Draw<TokenLayout> draw(int tokens) { return s -> build(s, tokens); }
}
