package lookm.reference.merge;

import lookm.reference.ops.Rows;
import lookm.spec.tensor.KvBlock;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Merge steps (1)-(2), shared by every merge (SPEC.md §4.1): cosine similarity of each evicted key to each kept
 * key of the same head, and the argmax (ties to the lowest kept index). Zero-norm keys have cosine 0.
 */
public final class CosineMatch {
    /** Evicted rows per block: bounds the similarity buffer to EVICTED_BLOCK × C doubles. */
    public static final int EVICTED_BLOCK = 1024;

    /** Per evicted token: the kept index of its match (−1 if nothing is kept) and that cosine (NaN then). */
    public record Match(int[] index, double[] similarity) {}

    private CosineMatch() {}

    /**
     * @param block   (H, T, D). Not modified.
     * @param kept    ascending kept positions of {@code head}
     * @param evicted ascending evicted positions of {@code head}
     */
    public static Match compute(KvBlock block, int head, int[] kept, int[] evicted) {
        int dim = block.headDim(), tokens = block.tokens();
        int[] index = new int[evicted.length];
        double[] similarity = new double[evicted.length];
        if (kept.length == 0) {
            java.util.Arrays.fill(index, -1);
            java.util.Arrays.fill(similarity, Double.NaN);
            return new Match(index, similarity);
        }
        // (1) U = normalize(K[evicted]) · normalize(K[kept])ᵀ        (|E|, C), one block of evicted rows at a time
        DMatrixRMaj keptKeys = Rows.gather(block.keys(), tokens, dim, head, kept);
        Rows.normalize(keptKeys);
        DMatrixRMaj u = new DMatrixRMaj(1, 1);
        for (int e0 = 0; e0 < evicted.length; e0 += EVICTED_BLOCK) {
            int rows = Math.min(EVICTED_BLOCK, evicted.length - e0);
            DMatrixRMaj evictedKeys = Rows.gather(block.keys(), tokens, dim, head, java.util.Arrays.copyOfRange(evicted, e0, e0 + rows));
            Rows.normalize(evictedKeys);
            u.reshape(rows, kept.length);
            CommonOps_DDRM.multTransB(evictedKeys, keptKeys, u);
            // (2) match[s] = argmax_r U[s, r], first (lowest) r on ties;  m[s] = U[s, match[s]]
            for (int s = 0; s < rows; s++) {
                int best = 0, base = s * kept.length;
                for (int r = 1; r < kept.length; r++) if (u.data[base + r] > u.data[base + best]) best = r;
                index[e0 + s] = best;
                similarity[e0 + s] = u.data[base + best];
            }
        }
        return new Match(index, similarity);
    }
}
