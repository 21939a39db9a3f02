package lookm.reference.ops;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Attention-mass accumulation: softmax rows of q·kᵀ/√D, summed into per-key column totals, one block of
 * query rows at a time so that T×T is never materialised (at most {@link #QUERY_BLOCK} × T logits).
 */
public final class Softmax {
    /** Query rows per block: bounds the logits buffer to QUERY_BLOCK·T doubles. */
    public static final int QUERY_BLOCK = 256;

    private Softmax() {}

    /**
     * Adds Σ_i softmax_j(q_i·k_j/√D over j < limit(i)) into {@code columnSums[j]} for every query row i.
     *
     * @param queries    (n, D) query rows. Not modified.
     * @param keys       (T, D) keys. Not modified.
     * @param limits     per query row, how many leading keys it attends to (causal: position + 1)
     * @param columnSums (T) accumulator. Modified.
     */
    public static void accumulate(DMatrixRMaj queries, DMatrixRMaj keys, int[] limits, double[] columnSums) {
        double scale = 1.0 / Math.sqrt(keys.numCols);
        DMatrixRMaj block = new DMatrixRMaj(1, 1);
        DMatrixRMaj logits = new DMatrixRMaj(1, 1);
        for (int i0 = 0; i0 < queries.numRows; i0 += QUERY_BLOCK) {
            int rows = Math.min(QUERY_BLOCK, queries.numRows - i0);
            block.reshape(rows, queries.numCols);
            System.arraycopy(queries.data, i0 * queries.numCols, block.data, 0, rows * queries.numCols);
            // (1) z = Q_block · K[0:L]ᵀ / √D      (rows, L), L = the block's largest limit (causal prefix)
            int tokens = 0;
            for (int r = 0; r < rows; r++) tokens = Math.max(tokens, limits[i0 + r]);
            DMatrixRMaj prefix = DMatrixRMaj.wrap(tokens, keys.numCols, keys.data);
            logits.reshape(rows, tokens);
            CommonOps_DDRM.multTransB(scale, block, prefix, logits);
            for (int r = 0; r < rows; r++) {
                int limit = limits[i0 + r], base = r * tokens;
                // (2) m = max_{j<limit} z_j ;  l = Σ_{j<limit} exp(z_j − m)      (numerically stable)
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < limit; j++) max = Math.max(max, logits.data[base + j]);
                double sum = 0;
                for (int j = 0; j < limit; j++) {
                    double e = Math.exp(logits.data[base + j] - max);
                    logits.data[base + j] = e;
                    sum += e;
                }
                // (3) a_j += exp(z_j − m) / l
                double inverse = 1.0 / sum;
                for (int j = 0; j < limit; j++) columnSums[j] += logits.data[base + j] * inverse;
            }
        }
    }
}
