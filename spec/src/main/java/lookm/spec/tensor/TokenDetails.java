package lookm.spec.tensor;

import java.util.Arrays;

/**
 * What a layout knows about each position beyond "text or visual item" (trace format v2): the modality, the image,
 * video, tile and frame it belongs to, and the model's own RoPE position ids (3-D for M-RoPE). These are the scopes a
 * budget can be applied to (per image, tile, frame, modality). Shape (T) per array, positions (3, T). Immutable and
 * validated on construction; every error names the token.
 *
 * <ul>
 *   <li>image tokens: image &ge; 0, tile &ge; 0 (AnyRes: 0 the base view, 1.. the grid row-major; else 0), no video / frame;</li>
 *   <li>video tokens: video &ge; 0, frame &ge; 0 (non-decreasing from 0 inside a video), no image / tile;</li>
 *   <li>text tokens: no image, video, tile or frame;</li>
 *   <li>special tokens: at most one of image / video (the item they delimit or sit in), no frame, a tile only inside an image.</li>
 * </ul>
 * Images, and separately videos, are numbered 0, 1, … in order of appearance, each contiguous (its special tokens
 * included). {@link #NONE} marks a missing index.
 *
 * @param ropeAxes 1 (1-D RoPE: every row of {@code ropePositions} is the same) or 3 (M-RoPE: temporal, height, width)
 */
public record TokenDetails(Modality[] modality, int[] image, int[] video, int[] tile, int[] frame, int[][] ropePositions,
                           int ropeAxes) {
    /** Stored where a token has no image / video / tile / frame. */
    public static final int NONE = -1;
    /** Rows of {@link #ropePositions()}: temporal, height, width. */
    public static final int ROPE_ROWS = 3;
    private static final int ROPE_1D = 1;

    public TokenDetails {
        if (modality == null || image == null || video == null || tile == null || frame == null || ropePositions == null)
            throw new IllegalArgumentException("token details: no array may be null");
        int t = modality.length;
        if (t == 0) throw new IllegalArgumentException("token details must cover at least one token, got 0");
        requireLength("image", image, t);
        requireLength("video", video, t);
        requireLength("tile", tile, t);
        requireLength("frame", frame, t);
        if (ropePositions.length != ROPE_ROWS)
            throw new IllegalArgumentException("ropePositions has " + ropePositions.length + " rows, expected " + ROPE_ROWS + " (t, h, w)");
        for (int r = 0; r < ROPE_ROWS; r++) requireLength("ropePositions[" + r + "]", ropePositions[r], t);
        if (ropeAxes != ROPE_1D && ropeAxes != ROPE_ROWS)
            throw new IllegalArgumentException("ropeAxes must be 1 or 3, was " + ropeAxes);
        modality = modality.clone();
        image = image.clone();
        video = video.clone();
        tile = tile.clone();
        frame = frame.clone();
        int[][] rope = new int[ROPE_ROWS][];
        for (int r = 0; r < ROPE_ROWS; r++) rope[r] = ropePositions[r].clone();
        ropePositions = rope;
        for (int p = 0; p < t; p++) checkToken(p, modality[p], image[p], video[p], tile[p], frame[p], rope, ropeAxes);
        checkItems("image", image);
        checkItems("video", video);
        checkFrames(video, frame);
    }

    private static void requireLength(String name, int[] a, int t) {
        if (a.length != t) throw new IllegalArgumentException(name + " has " + a.length + " entries, expected T=" + t);
    }

    private static void checkToken(int p, Modality m, int image, int video, int tile, int frame, int[][] rope, int axes) {
        if (m == null) throw new IllegalArgumentException("token " + p + ": modality is null");
        for (int[] v : new int[][] {{image}, {video}, {tile}, {frame}})
            if (v[0] < NONE) throw new IllegalArgumentException("token " + p + ": index " + v[0] + " (use " + NONE + " for none)");
        boolean ok = switch (m) {
            case IMAGE -> image >= 0 && tile >= 0 && video == NONE && frame == NONE;
            case VIDEO -> video >= 0 && frame >= 0 && image == NONE && tile == NONE;
            case TEXT -> image == NONE && video == NONE && tile == NONE && frame == NONE;
            case SPECIAL -> !(image >= 0 && video >= 0) && frame == NONE && (tile == NONE || image >= 0);
        };
        if (!ok)
            throw new IllegalArgumentException("token " + p + ": modality " + m.label() + " with image " + image + ", video " + video
                    + ", tile " + tile + ", frame " + frame + " (" + rule(m) + ")");
        for (int r = 0; r < ROPE_ROWS; r++)
            if (rope[r][p] < 0) throw new IllegalArgumentException("token " + p + ": RoPE position " + rope[r][p] + " < 0 (row " + r + ")");
        if (axes == ROPE_1D && (rope[1][p] != rope[0][p] || rope[2][p] != rope[0][p]))
            throw new IllegalArgumentException("token " + p + ": 1-D RoPE but positions (" + rope[0][p] + ", " + rope[1][p] + ", "
                    + rope[2][p] + ") differ");
    }

    private static String rule(Modality m) {
        return switch (m) {
            case IMAGE -> "image tokens need image >= 0 and tile >= 0, no video or frame";
            case VIDEO -> "video tokens need video >= 0 and frame >= 0, no image or tile";
            case TEXT -> "text tokens have no image, video, tile or frame";
            case SPECIAL -> "special tokens belong to at most one image or video, have no frame, a tile only inside an image";
        };
    }

    private static void checkItems(String what, int[] ids) {
        int next = 0, previous = NONE;
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] >= 0 && ids[p] != previous) {
                if (ids[p] != next)
                    throw new IllegalArgumentException("token " + p + ": " + what + " " + ids[p] + ", expected " + next + " ("
                            + what + "s numbered in order of appearance, each contiguous)");
                next++;
            }
            previous = ids[p];
        }
    }

    private static void checkFrames(int[] video, int[] frame) {
        int lastVideo = NONE, last = NONE;
        for (int p = 0; p < frame.length; p++) {
            if (frame[p] == NONE) continue;
            boolean same = video[p] == lastVideo;
            int lowest = same ? last : 0, highest = same ? last + 1 : 0;
            if (frame[p] < lowest || frame[p] > highest)
                throw new IllegalArgumentException("token " + p + ": frame " + frame[p] + " of video " + video[p] + " after "
                        + (same ? "frame " + last : "its start") + " (frames start at 0 and go up by one)");
            last = frame[p];
            lastVideo = video[p];
        }
    }

    /** Number of positions T. */
    public int size() { return modality.length; }

    /** Default details of a v1 layout: text / image from the image ids, one tile per image, 1-D RoPE = cache position. */
    public static TokenDetails of(int[] imageIds) {
        int t = imageIds.length;
        Modality[] m = new Modality[t];
        int[] none = new int[t], tile = new int[t];
        Arrays.fill(none, NONE);
        int[] position = new int[t];
        for (int p = 0; p < t; p++) {
            m[p] = imageIds[p] == NONE ? Modality.TEXT : Modality.IMAGE;
            tile[p] = imageIds[p] == NONE ? NONE : 0;
            position[p] = p;
        }
        return new TokenDetails(m, imageIds, none, tile, none, new int[][] {position, position, position}, ROPE_1D);
    }

    /** Accessors return copies (the record holds its own). */
    @Override public Modality[] modality() { return modality.clone(); }
    @Override public int[] image() { return image.clone(); }
    @Override public int[] video() { return video.clone(); }
    @Override public int[] tile() { return tile.clone(); }
    @Override public int[] frame() { return frame.clone(); }
    @Override public int[][] ropePositions() {
        int[][] out = new int[ROPE_ROWS][];
        for (int r = 0; r < ROPE_ROWS; r++) out[r] = ropePositions[r].clone();
        return out;
    }

    public Modality modality(int p) { return modality[p]; }
    public int image(int p) { return image[p]; }
    public int video(int p) { return video[p]; }
    public int tile(int p) { return tile[p]; }
    public int frame(int p) { return frame[p]; }
    public int ropePosition(int axis, int p) { return ropePositions[axis][p]; }

    @Override public boolean equals(Object o) {
        return o instanceof TokenDetails d && ropeAxes == d.ropeAxes && Arrays.equals(modality, d.modality) && Arrays.equals(image, d.image)
                && Arrays.equals(video, d.video) && Arrays.equals(tile, d.tile) && Arrays.equals(frame, d.frame)
                && Arrays.deepEquals(ropePositions, d.ropePositions);
    }

    @Override public int hashCode() {
        return Arrays.hashCode(new int[] {Arrays.hashCode(modality), Arrays.hashCode(image), Arrays.hashCode(video), Arrays.hashCode(tile),
                Arrays.hashCode(frame), Arrays.deepHashCode(ropePositions), ropeAxes});
    }

    @Override public String toString() { return "TokenDetails[T=" + size() + ", ropeAxes=" + ropeAxes + "]"; }
}
