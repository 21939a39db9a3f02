package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.accelerated.cl.ClProgram;
import lookm.accelerated.cl.Tiling;
import lookm.spec.tensor.KvBlock;

/**
 * OpenCL twin of {@code lookm.reference.score.CausalColumnSums}; steps (1)-(3) match it one to one
 * (causal_column_sums.cl). Column sums of the causal softmax attention of some query rows against all T keys,
 * never materialising the (rows, T) matrix: a row at absolute position p sees keys j <= p.
 */
public final class CausalColumnSumsCl {
    private static final String FILE = "score/causal_column_sums";
    private static final String LAYOUT = "score/pad_transpose";

    private CausalColumnSumsCl() {}

    /**
     * Steps (1)-(2): per query head column sums over the given rows.
     *
     * @param block     (Hkv, T, D) keys. Not modified.
     * @param queries   (Hq, n, D) query rows. Not modified.
     * @param positions (n) ascending: row i sees keys j <= positions[i] (and j < T)
     * @return a device buffer (Hq, TP), TP = T padded by the tiling; the caller closes it
     */
    public static ClBuffer perQueryHead(ClContext cl, KvBlock block, float[] queries, int hq, int[] positions) {
        int hkv = block.heads(), dim = block.headDim(), tokens = block.tokens(), rows = positions.length;
        if (queries.length != (long) hq * rows * dim)
            throw new IllegalArgumentException("queries: expected (Hq=" + hq + ", n=" + rows + ", D=" + dim + ") = " + (long) hq * rows * dim
                    + " floats, got " + queries.length);
        if (hq % hkv != 0)
            throw new IllegalArgumentException("query heads (" + hq + ") must be a multiple of KV heads (" + hkv + ")");
        Tiling tiling = cl.tiling();
        int tokensPadded = tiling.padded(tokens), rowsPadded = tiling.padded(rows), groupSize = hq / hkv;
        float scale = (float) (1.0 / Math.sqrt(dim));
        ClProgram program = cl.program(FILE, tiling.options(dim));
        ClBuffer columnSums = cl.allocateFloats((long) hq * tokensPadded);
        // row-major copies are only padded when T or n is not a tile multiple (try-with-resources skips nulls)
        try (ClBuffer rawKeys = cl.upload(block.keys());
             ClBuffer paddedKeys = tokens == tokensPadded ? null : layout(cl, rawKeys, hkv, tokens, tokensPadded, dim, "pad_rows");
             ClBuffer keysT = layout(cl, rawKeys, hkv, tokens, tokensPadded, dim, "transpose_rows");
             ClBuffer rawQueries = cl.upload(queries);
             ClBuffer paddedQueries = rows == rowsPadded ? null : layout(cl, rawQueries, hq, rows, rowsPadded, dim, "pad_rows");
             ClBuffer qT = layout(cl, rawQueries, hq, rows, rowsPadded, dim, "transpose_rows");
             ClBuffer positionBuffer = cl.upload(paddedPositions(positions, rowsPadded));
             ClBuffer rowMax = cl.allocateFloats((long) hq * rowsPadded);
             ClBuffer rowInvSum = cl.allocateFloats((long) hq * rowsPadded);
             ClKernel lse = program.kernel("row_log_sum_exp");
             ClKernel sums = program.kernel("column_sums")) {
            ClBuffer keys = paddedKeys != null ? paddedKeys : rawKeys, q = paddedQueries != null ? paddedQueries : rawQueries;
            // (1) m_i, 1/l_i per query row                                         (Hq, NP)
            lse.arg(qT).arg(keys).arg(positionBuffer).arg(rowsPadded).arg(tokens).arg(tokensPadded).arg(groupSize).arg(scale)
                    .arg(rowMax).arg(rowInvSum).launch(new long[] {rowsPadded / tiling.lanes(), hq}, null);
            // (2) a_q[j] = Σ_{i: p_i >= j} exp(z_ij − m_i) / l_i                   (Hq, TP)
            sums.arg(q).arg(keysT).arg(positionBuffer).arg(rows).arg(rowsPadded).arg(tokensPadded).arg(groupSize).arg(scale)
                    .arg(rowMax).arg(rowInvSum).arg(columnSums).launch(new long[] {tokensPadded / tiling.lanes(), hq}, null);
            cl.finish();
        } catch (RuntimeException e) {
            columnSums.close();
            throw e;
        }
        return columnSums;
    }

    /**
     * Step (3): per KV head, the sum over its GQA group of {@code perQueryHead} (Hq, TP); returns (Hkv, T).
     */
    public static float[] sumOverGroup(ClContext cl, ClBuffer perQueryHead, int queryHeads, int kvHeads, int tokens, int dim) {
        int tokensPadded = cl.tiling().padded(tokens);
        try (ClBuffer out = cl.allocateFloats((long) kvHeads * tokens);
             ClKernel group = cl.program(FILE, cl.tiling().options(dim)).kernel("sum_over_group")) {
            group.arg(perQueryHead).arg(tokens).arg(tokensPadded).arg(queryHeads / kvHeads).arg(out)
                    .launch(new long[] {tokens, kvHeads}, null);
            return out.readFloats(kvHeads * tokens);
        }
    }

    /** Steps (1)-(3): (Hkv, T) scores. Arguments as {@link #perQueryHead}. */
    public static float[] perKvHead(ClContext cl, KvBlock block, float[] queries, int hq, int[] positions) {
        try (ClBuffer perQuery = perQueryHead(cl, block, queries, hq, positions)) {
            return sumOverGroup(cl, perQuery, hq, block.heads(), block.tokens(), block.headDim());
        }
    }

    /** (B, R, D) on the device laid out by {@code kernel} ("pad_rows": (B, RP, D); "transpose_rows": (B, D, RP)). */
    public static ClBuffer layout(ClContext cl, ClBuffer in, int batch, int rows, int rowsPadded, int dim, String kernel) {
        ClBuffer out = cl.allocateFloats((long) batch * rowsPadded * dim);
        try (ClKernel k = cl.program(LAYOUT, "").kernel(kernel)) {
            k.arg(in).arg(rows).arg(rowsPadded).arg(dim).arg(out).launch(new long[] {rowsPadded, dim, batch}, null);
            cl.finish();
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** Positions padded by repeating the last one (padding rows are masked out of the sums). */
    static int[] paddedPositions(int[] positions, int rowsPadded) {
        int[] out = java.util.Arrays.copyOf(positions, rowsPadded);
        for (int i = positions.length; i < rowsPadded; i++) out[i] = positions[positions.length - 1];
        return out;
    }
}
