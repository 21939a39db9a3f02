package lookm.spec.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** v2 token details: the text-prior class (text + special), visual items that hold their special tokens, validation. */
class TokenDetailsTest {
    private static final Modality T = Modality.TEXT, I = Modality.IMAGE, V = Modality.VIDEO, S = Modality.SPECIAL;
    private static final int N = TokenDetails.NONE;

    /** text, AnyRes-like image (base, tile 1, newline, tile 1), text, video of two frames + closing newline. */
    private static TokenDetails details(int[] frame) {
        Modality[] m = {T, I, I, S, I, T, V, V, S};
        int[] image = {N, 0, 0, 0, 0, N, N, N, N}, video = {N, N, N, N, N, N, 0, 0, 0}, tile = {N, 0, 1, N, 1, N, N, N, N};
        int[] pos = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        return new TokenDetails(m, image, video, tile, frame, new int[][] {pos, pos, pos}, 1);
    }

    private static final int[] FRAMES = {N, N, N, N, N, N, 0, 1, N};

    @Test
    void specialTokensAreTextPriorAndVideoIsVisual() {
        TokenLayout layout = TokenLayout.fromDetails(details(FRAMES));
        assertArrayEquals(new int[] {-1, 0, 0, -1, 0, -1, 1, 1, -1}, layout.imageIds());
        assertTrue(layout.isText(3) && layout.isText(8), "special tokens are in the text-prior class");
        assertTrue(layout.isImage(6) && layout.isImage(7), "video tokens are visual");
        assertEquals(Modality.SPECIAL, layout.modality(3));
        assertEquals(Modality.VIDEO, layout.modality(6));
        assertEquals(2, layout.imageCount());
        assertEquals(4, layout.textCount());
        assertEquals("T=9 [text 1, image#0 2, special 1, image#0 1, text 1, video#1 2, special 1]", layout.toString());
        assertTrue(Modality.SPECIAL.textPrior() && Modality.VIDEO.visual() && !Modality.IMAGE.textPrior());
        assertEquals(layout, TokenLayout.fromDetails(details(FRAMES)));
        int[] v1 = {-1, 0, 0, -1};
        assertNotEquals(TokenLayout.fromImageIds(v1), TokenLayout.fromDetails(TokenDetails.of(v1)), "details are part of the layout");
        assertEquals(TokenLayout.fromImageIds(v1).imageIds().length, TokenLayout.fromDetails(TokenDetails.of(v1)).size());
        assertThrows(IllegalArgumentException.class, () -> TokenLayout.fromImageIds(layout.imageIds()),
                "without details an image interrupted by a newline is not a valid layout");
        assertArrayEquals(new int[] {0, 0, -1, 0, -1, 1}, layout.slice(1, 7).imageIds(), "a slice keeps an item across its newline");
    }

    @Test
    void framesMustStartAtZeroAndGoUpByOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> details(new int[] {N, N, N, N, N, N, 1, 2, N}));
        assertTrue(e.getMessage().contains("token 6: frame 1 of video 0 after its start"), e.getMessage());
    }

    @Test
    void everyRuleNamesTheToken() {
        int[] pos = {0, 1, 2};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenDetails(new Modality[] {T, I, T},
                new int[] {N, 0, N}, new int[] {N, N, N}, new int[] {N, N, N}, new int[] {N, N, N}, new int[][] {pos, pos, pos}, 1));
        assertTrue(e.getMessage().startsWith("token 1: modality image with image 0, video -1, tile -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenDetails(new Modality[] {T, T, T},
                new int[] {N, N, N}, new int[] {N, N, N}, new int[] {N, N, N}, new int[] {N, N, N}, new int[][] {pos, pos, {0, 1, 5}}, 1));
        assertTrue(e.getMessage().contains("token 2: 1-D RoPE but positions (2, 2, 5) differ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenDetails(new Modality[] {I, T, I},
                new int[] {0, N, 0}, new int[] {N, N, N}, new int[] {0, N, 0}, new int[] {N, N, N}, new int[][] {pos, pos, pos}, 1));
        assertTrue(e.getMessage().contains("token 2: image 0, expected 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenDetails(new Modality[] {T}, new int[] {N}, new int[] {N},
                new int[] {N}, new int[] {N}, new int[][] {{0}, {0}, {0}}, 2));
        assertTrue(e.getMessage().contains("ropeAxes must be 1 or 3"), e.getMessage());
    }

    @Test
    void v1DefaultsAreTextAndImageWithOneTileAndCachePositions() {
        TokenDetails d = TokenDetails.of(new int[] {-1, 0, 0, -1});
        assertEquals(Modality.IMAGE, d.modality(1));
        assertEquals(0, d.tile(2));
        assertEquals(N, d.tile(3));
        assertEquals(3, d.ropePosition(2, 3));
        assertFalse(d.modality(0).visual());
    }
}
