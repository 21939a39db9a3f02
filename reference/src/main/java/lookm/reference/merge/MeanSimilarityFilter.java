package lookm.reference.merge;

/**
 * Merge step (3), the released code's filter for the average and weighted merges (SPEC.md §4.2):
 * μ(s) = (1/H)·Σ_h m_h(s) per evicted slot s, μ̄ = mean over all heads and slots, keep slot s iff μ(s) ≥ μ̄.
 * One decision per slot, shared by all heads (slot s is the s-th evicted token of each head).
 */
public final class MeanSimilarityFilter {
    private MeanSimilarityFilter() {}

    /** @param similarity per head, the match cosine of each evicted slot; every head must have the same count */
    public static boolean[] keep(double[][] similarity) {
        int slots = similarity[0].length;
        for (int h = 1; h < similarity.length; h++)
            if (similarity[h].length != slots)
                throw new IllegalArgumentException("mean-similarity filter needs the same evicted count in every head: head 0 has "
                        + slots + ", head " + h + " has " + similarity[h].length);
        double[] perSlot = new double[slots];
        double total = 0;
        for (double[] head : similarity)
            for (int s = 0; s < slots; s++) {
                perSlot[s] += head[s];
                total += head[s];
            }
        double overall = total / ((double) similarity.length * slots);   // μ̄
        boolean[] keep = new boolean[slots];
        for (int s = 0; s < slots; s++) keep[s] = perSlot[s] / similarity.length >= overall;   // μ(s) ≥ μ̄
        return keep;
    }
}
