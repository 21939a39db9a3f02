package lookm.reference.score;

import lookm.reference.ops.Rows;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Column sums of the causal softmax attention (SPEC.md §2.1), a_h[j] = Σ_{q ∈ group(h)} Σ_i P_q[i, j], in one pass
 * over Q·Kᵀ: one block of {@link #QUERY_BLOCK} query rows at a time, its logits held while the block's softmax
 * statistics and column contributions are formed, so T×T is never materialised. Double accumulation.
 * The accelerated twin ({@code lookm.accelerated.score.CausalColumnSumsCl}, score/causal_column_sums.cl) has the
 * same steps (1)-(4).
 */
public final class CausalColumnSums {
    /** Query rows per block: bounds the logits buffer to QUERY_BLOCK·T doubles. */
    public static final int QUERY_BLOCK = 256;

    private CausalColumnSums() {}

    /**
     * Steps (1)-(4): per KV head, the column sums of some query rows of every query head of its group.
     *
     * @param block      (Hkv, T, D) keys. Not modified.
     * @param queries    (Hq, n, D) query rows. Not modified.
     * @param queryHeads Hq, a multiple of Hkv (query head q reads KV head q / G)
     * @param limits     (n) per query row, how many leading keys it attends to (causal: position + 1)
     * @return (Hkv, T) column sums, rounded to float once at the end
     */
    public static float[] perKvHead(KvBlock block, float[] queries, int queryHeads, int[] limits) {
        double[][] sums = perKvHeadExact(block, queries, queryHeads, limits);
        int tokens = block.tokens();
        float[] out = new float[block.heads() * tokens];
        for (int kv = 0; kv < block.heads(); kv++)
            for (int t = 0; t < tokens; t++) out[kv * tokens + t] = (float) sums[kv][t];
        return out;
    }

    /** As {@link #perKvHead}, in double, one (T) row per KV head (for callers that compute further before rounding). */
    public static double[][] perKvHeadExact(KvBlock block, float[] queries, int queryHeads, int[] limits) {
        int tokens = block.tokens(), dim = block.headDim(), rows = limits.length;
        if (queries.length != (long) queryHeads * rows * block.headDim())
            throw new IllegalArgumentException("queries: expected (Hq=" + queryHeads + ", n=" + rows + ", D=" + dim + ") = "
                    + (long) queryHeads * rows * dim + " floats, got " + queries.length);
        HeadGroups groups = new HeadGroups(queryHeads, block.heads());
        double[][] out = new double[block.heads()][];
        for (int kv = 0; kv < block.heads(); kv++) {
            DMatrixRMaj keys = Rows.range(block.keys(), tokens, dim, kv, 0, tokens);
            double[] sums = new double[tokens];
            // (4) a_kv[j] = Σ_{q ∈ group(kv)} a_q[j], query heads ascending
            for (int g = 0; g < groups.groupSize(); g++)
                accumulate(Rows.range(queries, rows, dim, kv * groups.groupSize() + g, 0, rows), keys, limits, sums);
            out[kv] = sums;
        }
        return out;
    }

    /**
     * Steps (1)-(3) for one query head: adds Σ_i softmax_j(q_i·k_j/√D over j < limit(i)) into {@code columnSums[j]}.
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
                // (2) m_i = max_{j<limit} z_ij ;  l_i = Σ_{j<limit} exp(z_ij − m_i)      (numerically stable)
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < limit; j++) max = Math.max(max, logits.data[base + j]);
                double sum = 0;
                for (int j = 0; j < limit; j++) {
                    double e = Math.exp(logits.data[base + j] - max);
                    logits.data[base + j] = e;
                    sum += e;
                }
                // (3) a_q[j] += exp(z_ij − m_i) / l_i, the block's column contributions
                double inverse = 1.0 / sum;
                for (int j = 0; j < limit; j++) columnSums[j] += logits.data[base + j] * inverse;
            }
        }
    }
}
