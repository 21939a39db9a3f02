package lookm.spec.tensor;

import java.util.Arrays;

/**
 * Which positions survive, per KV head: kept positions strictly ascending in [0, T). Selections from the
 * same scores are compared exactly across backends.
 */
public final class Selection {
    private final int[][] kept;
    private final int tokens;

    /** @param kept per head, strictly ascending positions in [0, tokens); arrays are copied */
    public Selection(int[][] kept, int tokens) {
        if (kept == null || kept.length == 0) throw new IllegalArgumentException("Selection needs at least one head");
        if (tokens <= 0) throw new IllegalArgumentException("Selection needs T >= 1, got " + tokens);
        this.kept = new int[kept.length][];
        for (int h = 0; h < kept.length; h++) {
            int[] k = kept[h];
            for (int i = 0; i < k.length; i++)
                if (k[i] < 0 || k[i] >= tokens || (i > 0 && k[i] <= k[i - 1]))
                    throw new IllegalArgumentException("Selection head " + h + ": kept positions must be strictly ascending in [0, " + tokens
                            + "), but kept[" + i + "] = " + k[i] + (i > 0 ? " after " + k[i - 1] : ""));
            this.kept[h] = k.clone();
        }
        this.tokens = tokens;
    }

    /** Keeps every position of every head. */
    public static Selection all(int heads, int tokens) {
        int[] every = new int[tokens];
        for (int t = 0; t < tokens; t++) every[t] = t;
        int[][] kept = new int[heads][];
        Arrays.fill(kept, every);
        return new Selection(kept, tokens);
    }

    public int heads() { return kept.length; }

    public int tokens() { return tokens; }

    /** Kept positions of a head, ascending (a copy). */
    public int[] kept(int head) { return kept[head].clone(); }

    public int keptCount(int head) { return kept[head].length; }

    /** Evicted positions of a head (the complement), ascending. */
    public int[] evicted(int head) {
        int[] k = kept[head];
        int[] out = new int[tokens - k.length];
        int i = 0, n = 0;
        for (int t = 0; t < tokens; t++) {
            if (i < k.length && k[i] == t) i++;
            else out[n++] = t;
        }
        return out;
    }

    public boolean isKept(int head, int position) { return Arrays.binarySearch(kept[head], position) >= 0; }

    /** Same kept positions in every head. */
    public boolean contentEquals(Selection other) {
        return other != null && tokens == other.tokens && Arrays.deepEquals(kept, other.kept);
    }

    @Override public String toString() {
        StringBuilder s = new StringBuilder("Selection(T=" + tokens + ", kept per head=[");
        for (int h = 0; h < kept.length; h++) s.append(h > 0 ? ", " : "").append(kept[h].length);
        return s.append("])").toString();
    }
}
