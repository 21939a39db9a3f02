package lookm.reference.merge;

/**
 * Merge step (3), the released code's filter for the average and weighted merges (SPEC.md §4.2):
 * μ(s) = mean of m_h(s) over the heads that have slot s, μ̄ = mean over all heads' slots, keep slot s iff μ(s) ≥ μ̄.
 * One decision per slot, shared by all heads (slot s is the s-th evicted token of each head). With equal evicted
 * counts in every head (always so in the original, which cannot run otherwise) μ(s) = (1/H)·Σ_h m_h(s).
 */
public final class MeanSimilarityFilter {
    private MeanSimilarityFilter() {}

    /** @param similarity per head, the match cosine of each evicted slot (heads may have different counts) */
    public static boolean[] keep(double[][] similarity) {
        int slots = 0;
        long entries = 0;
        for (double[] head : similarity) {
            slots = Math.max(slots, head.length);
            entries += head.length;
        }
        double[] perSlot = new double[slots];
        int[] present = new int[slots];
        double total = 0;
        for (double[] head : similarity)
            for (int s = 0; s < head.length; s++) {
                perSlot[s] += head[s];
                present[s]++;
                total += head[s];
            }
        double overall = total / entries;                                            // μ̄
        boolean[] keep = new boolean[slots];
        for (int s = 0; s < slots; s++) keep[s] = perSlot[s] / present[s] >= overall;   // μ(s) ≥ μ̄
        return keep;
    }
}
