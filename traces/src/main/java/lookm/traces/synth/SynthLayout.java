package lookm.traces.synth;

import java.util.ArrayList;
import java.util.List;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.TokenDetails;
import lookm.spec.tensor.TokenLayout;

/**
 * Layout presets of current VLMs for synthetic traces (format v2), so that every policy and property runs on their
 * structure without a model. Each is {@code text(before) <visual part> text(after)}:
 * <ul>
 *   <li>{@code qwen2-vl}: Qwen2-VL. {@code <|vision_start|>} image of {@value #QWEN_IMAGE_ROWS} x {@value #QWEN_IMAGE_COLS}
 *       merged patches {@code <|vision_end|>}, {@value #QWEN_TEXT_BETWEEN} text, {@code <|vision_start|>} video of
 *       {@value #QWEN_VIDEO_FRAMES} temporal patches of {@value #QWEN_VIDEO_SIDE}^2 {@code <|vision_end|>}; 3-D M-RoPE
 *       positions as transformers' {@code get_rope_index} gives them (text: one position each, all three axes equal;
 *       a visual item at offset s: (s + frame, s + row, s + col), and the next token continues at s + max(rows, cols)).</li>
 *   <li>{@code anyres}: LLaVA-NeXT / OneVision AnyRes. Base view ({@value #ANYRES_SIDE}^2 tokens, tile 0) then a
 *       {@value #ANYRES_GRID} x {@value #ANYRES_GRID} grid of tiles of {@value #ANYRES_SIDE}^2, row by row across the
 *       tiles, each row of the combined grid ended by an image_newline token (special); 1-D RoPE.</li>
 *   <li>{@code video}: LLaVA-OneVision video. {@value #VIDEO_FRAMES} frames of {@value #VIDEO_SIDE}^2 pooled tokens, one
 *       newline token (special) after the last frame; 1-D RoPE.</li>
 * </ul>
 *
 * @param name   preset name, written as the trace's architecture ({@code synth-<name>})
 * @param layout the layout, with {@link TokenDetails}
 */
public record SynthLayout(String name, TokenLayout layout) {
    public static final int QWEN_IMAGE_ROWS = 12, QWEN_IMAGE_COLS = 16, QWEN_TEXT_BETWEEN = 24;
    public static final int QWEN_VIDEO_FRAMES = 4, QWEN_VIDEO_SIDE = 8;
    public static final int ANYRES_SIDE = 8, ANYRES_GRID = 2;
    public static final int VIDEO_FRAMES = 8, VIDEO_SIDE = 7;
    public static final List<String> NAMES = List.of("qwen2-vl", "anyres", "video");
    private static final int NONE = TokenDetails.NONE, BASE_TILE = 0;
    /** Per-token fields collected by Tokens: image, video, tile, frame, then the three RoPE positions. */
    private static final int FIELDS = 7;

    public SynthLayout {
        if (name == null || layout == null || layout.details() == null)
            throw new IllegalArgumentException("a synthetic layout preset needs a name and a layout with token details");
    }

    /** Architecture name written into the metadata. */
    public String architecture() { return "synth-" + name; }

    /** The preset {@code name} (one of {@link #NAMES}) with the given text before and after the visual part. */
    public static SynthLayout of(String name, int textBefore, int textAfter) {
        if (textBefore < 0 || textAfter < 0)
            throw new IllegalArgumentException("text runs must be >= 0, were " + textBefore + " and " + textAfter);
        Tokens t = new Tokens();
        t.text(textBefore);
        switch (name) {
            case "qwen2-vl" -> {
                t.special(0, NONE);
                t.grid(Modality.IMAGE, 0, 1, QWEN_IMAGE_ROWS, QWEN_IMAGE_COLS);
                t.special(0, NONE);
                t.text(QWEN_TEXT_BETWEEN);
                t.special(NONE, 0);
                t.grid(Modality.VIDEO, 0, QWEN_VIDEO_FRAMES, QWEN_VIDEO_SIDE, QWEN_VIDEO_SIDE);
                t.special(NONE, 0);
                t.mrope = true;
            }
            case "anyres" -> t.anyres();
            case "video" -> {
                for (int f = 0; f < VIDEO_FRAMES; f++)
                    for (int k = 0; k < VIDEO_SIDE * VIDEO_SIDE; k++) t.add(Modality.VIDEO, NONE, 0, NONE, f, t.next, t.next, t.next, 1);
                t.special(NONE, 0);
            }
            default -> throw new IllegalArgumentException("--layout must be one of " + String.join(", ", NAMES) + ", was '" + name + "'");
        }
        t.text(textAfter);
        return new SynthLayout(name, TokenLayout.fromDetails(t.details()));
    }

    /** Accumulates tokens and their positions. */
    private static final class Tokens {
        final List<Modality> modality = new ArrayList<>();
        final List<int[]> rows = new ArrayList<>();   // image, video, tile, frame, rope t, h, w
        int next;                                     // the next text position (all axes)
        boolean mrope;

        void add(Modality m, int image, int video, int tile, int frame, int pt, int ph, int pw, int advance) {
            modality.add(m);
            rows.add(new int[] {image, video, tile, frame, pt, ph, pw});
            next += advance;
        }

        void text(int n) { for (int i = 0; i < n; i++) add(Modality.TEXT, NONE, NONE, NONE, NONE, next, next, next, 1); }

        void special(int image, int video) { add(Modality.SPECIAL, image, video, NONE, NONE, next, next, next, 1); }

        /** Qwen2-VL visual item: frames x rows x cols, frame-major, M-RoPE positions from the item's start. */
        void grid(Modality m, int item, int frames, int rowCount, int colCount) {
            int start = next;
            for (int f = 0; f < frames; f++)
                for (int r = 0; r < rowCount; r++)
                    for (int c = 0; c < colCount; c++)
                        add(m, m == Modality.IMAGE ? item : NONE, m == Modality.VIDEO ? item : NONE, m == Modality.IMAGE ? BASE_TILE : NONE,
                                m == Modality.VIDEO ? f : NONE, start + f, start + r, start + c, 0);
            next = start + Math.max(rowCount, colCount);
        }

        void anyres() {
            for (int k = 0; k < ANYRES_SIDE * ANYRES_SIDE; k++) add(Modality.IMAGE, 0, NONE, BASE_TILE, NONE, next, next, next, 1);
            int side = ANYRES_SIDE * ANYRES_GRID;
            for (int row = 0; row < side; row++) {
                for (int col = 0; col < side; col++) {
                    int tile = 1 + (row / ANYRES_SIDE) * ANYRES_GRID + col / ANYRES_SIDE;
                    add(Modality.IMAGE, 0, NONE, tile, NONE, next, next, next, 1);
                }
                special(0, NONE);
            }
        }

        TokenDetails details() {
            int n = modality.size();
            int[][] c = new int[FIELDS][n];
            for (int p = 0; p < n; p++) for (int k = 0; k < FIELDS; k++) c[k][p] = rows.get(p)[k];
            return new TokenDetails(modality.toArray(new Modality[0]), c[0], c[1], c[2], c[3], new int[][] {c[4], c[5], c[6]},
                    mrope ? TokenDetails.ROPE_ROWS : 1);
        }
    }
}
