package lookm.spec.policy;

/**
 * The total order every selector uses, in every backend: score descending, then position ascending (the lower
 * position wins a tie). Scores are compared as float32 values, exactly.
 */
public final class KeepOrder {
    private KeepOrder() {}

    /** True if candidate (scoreA, positionA) ranks before (scoreB, positionB). */
    public static boolean before(float scoreA, int positionA, float scoreB, int positionB) {
        return scoreA > scoreB || (scoreA == scoreB && positionA < positionB);
    }

    /**
     * The {@code k} best positions of {@code candidates} under {@link #before}, returned in ascending position
     * order. O(n log n); a readable definition that backends must match exactly.
     *
     * @param score      score per position (indexed by position)
     * @param candidates candidate positions. Not modified.
     */
    public static int[] top(float[] score, int[] candidates, int k) {
        if (k < 0 || k > candidates.length)
            throw new IllegalArgumentException("cannot take the top " + k + " of " + candidates.length + " candidates");
        Integer[] order = new Integer[candidates.length];
        for (int i = 0; i < order.length; i++) order[i] = candidates[i];
        java.util.Arrays.sort(order, (a, b) -> before(score[a], a, score[b], b) ? -1 : before(score[b], b, score[a], a) ? 1 : 0);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = order[i];
        java.util.Arrays.sort(out);
        return out;
    }
}
