package lookm.spec.tensor;

/**
 * The compressed cache of one KV head and how it was made.
 *
 * @param kept            kept positions, ascending, length C
 * @param evicted         evicted positions, ascending, length P = T − C
 * @param match           per evicted token, the index (into kept) of its most cosine-similar kept key, ties to the
 *                        lowest index; -1 when the merge computes no match (drop)
 * @param matchSimilarity per evicted token, that cosine similarity; NaN when there is no match
 * @param mergeTarget     per evicted token, the kept index its K/V row was actually added into, or -1 if it was
 *                        dropped or filtered out (differs from match only under the released average-merge quirk)
 * @param mergeWeight     per evicted token, the coefficient of its row in the merged numerator (pivot 1/2,
 *                        average 1, weighted m); 0 when not merged
 * @param keys            (C, D) new keys
 * @param values          (C, D) new values
 */
public record HeadCompression(int[] kept, int[] evicted, int[] match, float[] matchSimilarity, int[] mergeTarget,
                              float[] mergeWeight, float[] keys, float[] values) {
    public HeadCompression {
        int p = evicted.length;
        if (match.length != p || matchSimilarity.length != p || mergeTarget.length != p || mergeWeight.length != p)
            throw new IllegalArgumentException("HeadCompression: per-evicted arrays must have length " + p);
        if (kept.length == 0 ? keys.length != 0 : keys.length % kept.length != 0 || keys.length != values.length)
            throw new IllegalArgumentException("HeadCompression: keys/values must be (C=" + kept.length + ", D), got "
                    + keys.length + " and " + values.length + " floats");
    }

    /** A head whose evicted tokens were dropped, with the kept rows gathered. */
    public static HeadCompression dropped(int[] kept, int[] evicted, float[] keys, float[] values) {
        int p = evicted.length;
        int[] none = new int[p];
        java.util.Arrays.fill(none, -1);
        float[] nan = new float[p];
        java.util.Arrays.fill(nan, Float.NaN);
        return new HeadCompression(kept, evicted, none, nan, none.clone(), new float[p], keys, values);
    }

    public int keptCount() { return kept.length; }

    /** Number of evicted tokens whose rows were added into some kept row. */
    public int mergedCount() {
        int n = 0;
        for (int t : mergeTarget) if (t >= 0) n++;
        return n;
    }
}
