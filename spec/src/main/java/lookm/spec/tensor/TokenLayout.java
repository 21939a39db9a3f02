package lookm.spec.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Modality and image index of every cached position, shape (T). Input data: never derived from magic
 * offsets such as the original code's 576/575. Immutable.
 *
 * <p>The image index is what the policies read: -1 for the text-prior class (text and special tokens), else the
 * visual item (an image or a video, numbered together in order of appearance). A layout read from a v2 trace also
 * carries {@link TokenDetails} (modality per token, image / video / tile / frame ids, RoPE positions); there an item
 * may be interrupted by its own special tokens (LLaVA's image_newline rows), which {@link #fromDetails} allows.
 */
public final class TokenLayout {
    /** Image index stored for text positions. */
    public static final int TEXT_INDEX = -1;

    /** A maximal run of positions [start, end) with one modality (and one image index for images). */
    public record Run(Modality modality, int start, int end, int imageIndex) {
        public int length() { return end - start; }
    }

    private final int[] imageIndex;
    private final int imageCount;
    private final int textCount;
    private final TokenDetails details;

    private TokenLayout(int[] imageIndex, int imageCount) {
        this(imageIndex, imageCount, null);
    }

    private TokenLayout(int[] imageIndex, int imageCount, TokenDetails details) {
        this.imageIndex = imageIndex;
        this.imageCount = imageCount;
        this.details = details;
        int text = 0;
        for (int id : imageIndex) if (id == TEXT_INDEX) text++;
        this.textCount = text;
    }

    /** Builds a layout run by run: {@code TokenLayout.builder().text(60).image(576).text(84).build()}. */
    public static Builder builder() { return new Builder(); }

    /** Every position is text. */
    public static TokenLayout allText(int tokens) {
        return builder().text(tokens).build();
    }

    /**
     * From a per-position image index: -1 for text, 0..n-1 for images. Image ids must appear in
     * increasing order of first occurrence and each image's positions must be contiguous.
     */
    public static TokenLayout fromImageIds(int[] imageIdPerToken) {
        if (imageIdPerToken == null) throw new IllegalArgumentException("imageIdPerToken must not be null");
        if (imageIdPerToken.length == 0) throw new IllegalArgumentException("layout must cover at least one token, got 0");
        int next = 0;
        int previous = TEXT_INDEX;
        for (int t = 0; t < imageIdPerToken.length; t++) {
            int id = imageIdPerToken[t];
            if (id < TEXT_INDEX)
                throw new IllegalArgumentException("imageIdPerToken[" + t + "] = " + id + ": must be -1 (text) or an image index >= 0");
            if (id != TEXT_INDEX && id != previous) {
                if (id != next)
                    throw new IllegalArgumentException("imageIdPerToken[" + t + "] = " + id + ": expected image " + next
                            + " (images must be numbered in order of appearance, each image contiguous)");
                next++;
            }
            previous = id;
        }
        return new TokenLayout(imageIdPerToken.clone(), next);
    }

    /**
     * From v2 token details: visual tokens (image, video) get their item's index (images and videos numbered together
     * in order of appearance), text and special tokens -1. The details are kept ({@link #details()}).
     */
    public static TokenLayout fromDetails(TokenDetails details) {
        if (details == null) throw new IllegalArgumentException("details must not be null");
        int t = details.size();
        int[] ids = new int[t];
        int items = 0, lastImage = TokenDetails.NONE, lastVideo = TokenDetails.NONE;
        for (int p = 0; p < t; p++) {
            Modality m = details.modality(p);
            ids[p] = TEXT_INDEX;
            if (m == Modality.IMAGE) {
                if (details.image(p) != lastImage) items++;
                lastImage = details.image(p);
                ids[p] = items - 1;
            } else if (m == Modality.VIDEO) {
                if (details.video(p) != lastVideo) items++;
                lastVideo = details.video(p);
                ids[p] = items - 1;
            }
        }
        return new TokenLayout(ids, items, details);
    }

    /** From a per-position image mask; each maximal run of image positions is one image, numbered in order. */
    public static TokenLayout fromImageMask(boolean[] isImage) {
        if (isImage == null) throw new IllegalArgumentException("isImage must not be null");
        int[] ids = new int[isImage.length];
        int image = -1;
        for (int t = 0; t < isImage.length; t++) {
            if (isImage[t] && (t == 0 || !isImage[t - 1])) image++;
            ids[t] = isImage[t] ? image : TEXT_INDEX;
        }
        return fromImageIds(ids);
    }

    /**
     * From image spans [start, end) in cache positions, ascending and non-overlapping; the rest is text.
     *
     * @param spans (n, 2) spans, each inside [0, tokens)
     */
    public static TokenLayout fromImageSpans(int tokens, int[][] spans) {
        if (tokens <= 0) throw new IllegalArgumentException("tokens must be >= 1, was " + tokens);
        int[] ids = new int[tokens];
        Arrays.fill(ids, TEXT_INDEX);
        int previousEnd = 0;
        for (int i = 0; i < spans.length; i++) {
            int start = spans[i][0], end = spans[i][1];
            if (start < previousEnd || end <= start || end > tokens)
                throw new IllegalArgumentException("image span " + i + " = [" + start + ", " + end + ") is out of range: spans must be"
                        + " non-empty, ascending, non-overlapping and inside [0, " + tokens + ")");
            Arrays.fill(ids, start, end, i);
            previousEnd = end;
        }
        return new TokenLayout(ids, spans.length);
    }

    /**
     * The original LLaVA expansion rule, with tokens per image as an input: placeholder i (index in the
     * unexpanded prompt) becomes positions [p_i + (tokensPerImage − 1)·i, p_i + (tokensPerImage − 1)·i + tokensPerImage).
     * Unlike the original (which clips silently at T), an image that does not fit is rejected.
     */
    public static TokenLayout fromPlaceholders(int tokens, int[] placeholderPositions, int tokensPerImage) {
        if (tokensPerImage <= 0) throw new IllegalArgumentException("tokensPerImage must be >= 1, was " + tokensPerImage);
        int[][] spans = new int[placeholderPositions.length][];
        for (int i = 0; i < spans.length; i++) {
            long start = placeholderPositions[i] + (long) (tokensPerImage - 1) * i;
            long end = start + tokensPerImage;
            if (placeholderPositions[i] < 0 || end > tokens)
                throw new IllegalArgumentException("image " + i + " (placeholder at " + placeholderPositions[i] + ") expands to ["
                        + start + ", " + end + ") which does not fit in " + tokens + " tokens");
            spans[i] = new int[] {(int) start, (int) end};
        }
        return fromImageSpans(tokens, spans);
    }

    /** Number of positions T. */
    public int size() { return imageIndex.length; }

    /** TEXT or IMAGE by the image index; with {@link #details()}, the token's own modality (also VIDEO, SPECIAL). */
    public Modality modality(int position) {
        if (details != null) return details.modality(position);
        return imageIndex[position] == TEXT_INDEX ? Modality.TEXT : Modality.IMAGE;
    }

    /** The v2 token details, or null for a layout that has none (v1 traces, synthetic text/image layouts). */
    public TokenDetails details() { return details; }

    public boolean isImage(int position) { return imageIndex[position] != TEXT_INDEX; }

    public boolean isText(int position) { return imageIndex[position] == TEXT_INDEX; }

    /** Image index of a position, or {@link #TEXT_INDEX} for text. */
    public int imageIndex(int position) { return imageIndex[position]; }

    public int imageCount() { return imageCount; }

    public int textCount() { return textCount; }

    public int imageTokenCount() { return imageIndex.length - textCount; }

    /** Text-prior positions (text and special) in [from, to). */
    public int textCount(int from, int to) {
        int n = 0;
        for (int t = from; t < to; t++) if (imageIndex[t] == TEXT_INDEX) n++;
        return n;
    }

    /** A copy of the per-position image index (-1 for text). */
    public int[] imageIds() { return imageIndex.clone(); }

    /** The maximal runs, in position order. */
    public List<Run> runs() {
        List<Run> runs = new ArrayList<>();
        int start = 0;
        for (int t = 1; t <= imageIndex.length; t++) {
            if (t == imageIndex.length || imageIndex[t] != imageIndex[start] || modality(t) != modality(start)) {
                int id = imageIndex[start];
                runs.add(new Run(modality(start), start, t, id));
                start = t;
            }
        }
        return runs;
    }

    /** The layout of positions [from, to), images renumbered from 0 (without details: special tokens become text). */
    public TokenLayout slice(int from, int to) {
        if (from < 0 || to > size() || from >= to)
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") is not a non-empty range of [0, " + size() + ")");
        int[] ids = Arrays.copyOfRange(imageIndex, from, to);
        int first = Integer.MAX_VALUE;
        for (int id : ids) if (id != TEXT_INDEX) first = Math.min(first, id);
        int last = TEXT_INDEX;
        for (int t = 0; t < ids.length; t++) if (ids[t] != TEXT_INDEX) last = Math.max(last, ids[t] -= first);
        return details == null ? fromImageIds(ids) : new TokenLayout(ids, last + 1);   // items may hold special tokens
    }

    /**
     * The layout of the given positions (ascending, each in [0, T)), in that order: what a cache holding only those
     * positions looks like (decode-phase streaming, SPEC.md §9). Visual items keep their order and are renumbered
     * from 0; like {@link #slice}, the result carries no token details.
     *
     * @param positions ascending positions of this layout. Not modified.
     */
    public TokenLayout gather(int[] positions) {
        if (positions == null || positions.length == 0) throw new IllegalArgumentException("gather needs at least one position");
        int[] ids = new int[positions.length];
        int items = 0, lastSource = TEXT_INDEX;
        for (int i = 0; i < positions.length; i++) {
            int p = positions[i];
            if (p < 0 || p >= size() || (i > 0 && p <= positions[i - 1]))
                throw new IllegalArgumentException("gather: position[" + i + "] = " + p + " must be in [0, " + size() + ") and ascending");
            int source = imageIndex[p];
            if (source != TEXT_INDEX && source != lastSource) {
                items++;
                lastSource = source;
            }
            ids[i] = source == TEXT_INDEX ? TEXT_INDEX : items - 1;
        }
        return new TokenLayout(ids, items);
    }

    /** This layout followed by {@code count} text positions (tokens generated after the prompt); no token details. */
    public TokenLayout withText(int count) {
        if (count < 0) throw new IllegalArgumentException("withText: count must be >= 0, was " + count);
        int[] ids = Arrays.copyOf(imageIndex, imageIndex.length + count);
        Arrays.fill(ids, imageIndex.length, ids.length, TEXT_INDEX);
        return new TokenLayout(ids, imageCount);
    }

    @Override public boolean equals(Object o) {
        return o instanceof TokenLayout other && Arrays.equals(imageIndex, other.imageIndex)
                && java.util.Objects.equals(details, other.details);
    }

    @Override public int hashCode() { return Arrays.hashCode(imageIndex) * 31 + java.util.Objects.hashCode(details); }

    /** Runs written compactly, e.g. {@code T=720 [text 60, image#0 576, text 84]}. */
    @Override public String toString() {
        StringBuilder s = new StringBuilder("T=").append(size()).append(" [");
        List<Run> runs = runs();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            if (i > 0) s.append(", ");
            s.append(r.modality().visual() ? r.modality().label() + "#" + r.imageIndex() + " " : r.modality().label() + " ").append(r.length());
        }
        return s.append(']').toString();
    }

    /** Appends runs in order. */
    public static final class Builder {
        private final List<int[]> runs = new ArrayList<>(); // {length, isImage}

        public Builder text(int length) { return add(length, 0); }

        public Builder image(int length) { return add(length, 1); }

        private Builder add(int length, int image) {
            if (length < 0) throw new IllegalArgumentException("run length must be >= 0, was " + length);
            if (length > 0) runs.add(new int[] {length, image});
            return this;
        }

        public TokenLayout build() {
            int total = 0;
            for (int[] r : runs) total = Math.addExact(total, r[0]);
            if (total == 0) throw new IllegalArgumentException("layout must cover at least one token, got 0");
            int[] ids = new int[total];
            int t = 0, image = 0;
            for (int[] r : runs) {
                int id = r[1] == 1 ? image++ : TEXT_INDEX;
                Arrays.fill(ids, t, t + r[0], id);
                t += r[0];
            }
            return new TokenLayout(ids, image);
        }
    }
}
