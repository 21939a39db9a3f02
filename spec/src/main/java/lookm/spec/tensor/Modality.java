package lookm.spec.tensor;

/**
 * Modality of one cached position (SPEC.md §2.1). For the policies the four classes fall into two:
 * <ul>
 *   <li><b>text-prior class</b> ({@link #textPrior()}): {@link #TEXT} prompt words and {@link #SPECIAL} structure tokens
 *       (vision start / end, LLaVA's image_newline rows). The text prior keeps them first; they are never merge
 *       sources.</li>
 *   <li><b>visual class</b> ({@link #visual()}): {@link #IMAGE} patches and {@link #VIDEO} frame patches, scored,
 *       evictable and merged as LOOK-M treats image tokens.</li>
 * </ul>
 */
public enum Modality {
    TEXT, IMAGE, VIDEO, SPECIAL;

    /** Kept by the text prior: text and special tokens. */
    public boolean textPrior() { return this == TEXT || this == SPECIAL; }

    /** Visual tokens (images and video frames): what LOOK-M evicts and merges. */
    public boolean visual() { return !textPrior(); }

    /** The name used in trace files: text, image, video, special. */
    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** The modality of a trace-file label, or null when there is none. */
    public static Modality fromLabel(String label) {
        for (Modality m : values()) if (m.label().equals(label)) return m;
        return null;
    }
}
