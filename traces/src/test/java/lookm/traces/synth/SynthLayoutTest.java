package lookm.traces.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.spec.tensor.Modality;
import lookm.spec.tensor.TokenDetails;
import org.junit.jupiter.api.Test;

/** The structure of each VLM layout preset: token counts per modality, tiles, frames and RoPE positions. */
class SynthLayoutTest {
    private static final int BEFORE = 5, AFTER = 7;

    private static int count(TokenDetails d, Modality m) {
        int n = 0;
        for (int p = 0; p < d.size(); p++) if (d.modality(p) == m) n++;
        return n;
    }

    @Test
    void qwen2VlHasDelimitedImageAndVideoWithMrope() {
        TokenDetails d = SynthLayout.of("qwen2-vl", BEFORE, AFTER).layout().details();
        int image = SynthLayout.QWEN_IMAGE_ROWS * SynthLayout.QWEN_IMAGE_COLS;
        int frame = SynthLayout.QWEN_VIDEO_SIDE * SynthLayout.QWEN_VIDEO_SIDE;
        assertEquals(image, count(d, Modality.IMAGE));
        assertEquals(SynthLayout.QWEN_VIDEO_FRAMES * frame, count(d, Modality.VIDEO));
        assertEquals(4, count(d, Modality.SPECIAL));
        assertEquals(TokenDetails.ROPE_ROWS, d.ropeAxes());
        int first = BEFORE + 1;                                   // after <|vision_start|> at BEFORE
        assertEquals(first, d.ropePosition(0, first + image - 1), "an image has one temporal position");
        assertEquals(first + SynthLayout.QWEN_IMAGE_ROWS - 1, d.ropePosition(1, first + image - 1));
        assertEquals(first + SynthLayout.QWEN_IMAGE_COLS - 1, d.ropePosition(2, first + image - 1));
        int end = first + image;                                   // <|vision_end|>: continues at start + max(rows, cols)
        assertEquals(Modality.SPECIAL, d.modality(end));
        assertEquals(first + Math.max(SynthLayout.QWEN_IMAGE_ROWS, SynthLayout.QWEN_IMAGE_COLS), d.ropePosition(0, end));
        int video = end + 1 + SynthLayout.QWEN_TEXT_BETWEEN + 1;
        assertEquals(Modality.VIDEO, d.modality(video));
        assertEquals(SynthLayout.QWEN_VIDEO_FRAMES - 1, d.frame(video + SynthLayout.QWEN_VIDEO_FRAMES * frame - 1));
        assertEquals(d.ropePosition(0, video) + 1, d.ropePosition(0, video + frame), "the next frame is one temporal step on");
        assertEquals(BEFORE + AFTER + SynthLayout.QWEN_TEXT_BETWEEN, count(d, Modality.TEXT));
    }

    @Test
    void anyresHasABaseViewTilesAndOneNewlinePerRow() {
        TokenDetails d = SynthLayout.of("anyres", BEFORE, AFTER).layout().details();
        int tile = SynthLayout.ANYRES_SIDE * SynthLayout.ANYRES_SIDE, tiles = SynthLayout.ANYRES_GRID * SynthLayout.ANYRES_GRID;
        int[] perTile = new int[tiles + 1];
        for (int p = 0; p < d.size(); p++) if (d.modality(p) == Modality.IMAGE) perTile[d.tile(p)]++;
        for (int k = 0; k <= tiles; k++) assertEquals(tile, perTile[k], "tile " + k);
        assertEquals(SynthLayout.ANYRES_SIDE * SynthLayout.ANYRES_GRID, count(d, Modality.SPECIAL), "one newline per grid row");
        int firstRow = BEFORE + tile, rowLength = SynthLayout.ANYRES_SIDE * SynthLayout.ANYRES_GRID;
        assertEquals(1, d.tile(firstRow));
        assertEquals(2, d.tile(firstRow + SynthLayout.ANYRES_SIDE), "a row runs across the tiles of the grid row");
        assertEquals(Modality.SPECIAL, d.modality(firstRow + rowLength));
        assertEquals(0, d.image(firstRow + rowLength), "the newline belongs to its image");
    }

    @Test
    void videoHasPooledFramesAndAClosingNewline() {
        TokenDetails d = SynthLayout.of("video", BEFORE, AFTER).layout().details();
        int frame = SynthLayout.VIDEO_SIDE * SynthLayout.VIDEO_SIDE;
        assertEquals(SynthLayout.VIDEO_FRAMES * frame, count(d, Modality.VIDEO));
        int last = BEFORE + SynthLayout.VIDEO_FRAMES * frame;
        assertEquals(Modality.SPECIAL, d.modality(last));
        assertEquals(0, d.video(last));
        assertEquals(SynthLayout.VIDEO_FRAMES - 1, d.frame(last - 1));
        assertEquals(d.size(), BEFORE + AFTER + last - BEFORE + 1);
    }

    @Test
    void unknownPresetsAndNegativeTextAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SynthLayout.of("llava-next-video", 1, 1));
        assertTrue(e.getMessage().contains("--layout must be one of qwen2-vl, anyres, video"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SynthLayout.of("video", -1, 0));
    }
}
