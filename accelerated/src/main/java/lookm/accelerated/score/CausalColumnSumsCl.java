package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.accelerated.cl.ClProgram;
import lookm.accelerated.cl.Tiling;
import lookm.spec.tensor.KvBlock;

/**
 * OpenCL twin of {@code lookm.reference.score.CausalColumnSums}; steps (1)-(4) match it one to one
 * (score/causal_column_sums.cl). Column sums of the causal softmax attention of some query rows against all T keys
 * in one pass over Q·Kᵀ: each work-item holds a block of rows' exponentiated logits in its scratch slot while their
 * softmax statistics and column contributions are formed; the (rows, T) matrix is never materialised.
 */
public final class CausalColumnSumsCl {
    private static final String FILE = "score/causal_column_sums";
    private static final String LAYOUT = "score/pad_transpose";
    /** Work-items wanted per compute unit, so that the causal triangle's uneven rows balance out. */
    private static final int ITEMS_PER_COMPUTE_UNIT = 16;
    /** Upper bound of the scratch slots of one launch; more work-items run in successive launches (waves). */
    private static final long MAX_SCRATCH_BYTES = 256L << 20;
    /** Argument index of {@code itemOffset} in block_column_sums. */
    private static final int ITEM_OFFSET_ARG = 10;

    private CausalColumnSumsCl() {}

    /**
     * Steps (1)-(4): (Hkv, T) column sums of the given query rows against the block's keys, summed over each group.
     *
     * @param block     (Hkv, T, D) keys. Not modified.
     * @param queries   (Hq, n, D) query rows. Not modified.
     * @param positions (n) ascending: row i sees keys j <= positions[i] (and j < T)
     *                  The keys are read from the context's resident copy of the layer (uploaded once, shared with
     *                  the merge stage: {@link lookm.accelerated.cl.ResidentLayer}).
     */
    public static float[] perKvHead(ClContext cl, KvBlock block, float[] queries, int hq, int[] positions) {
        return perKvHead(cl, cl.resident(block).keys(), block, queries, hq, positions);
    }

    /** As {@link #perKvHead(ClContext, KvBlock, float[], int, int[])}, the keys already on the device ((Hkv, T, D), not modified). */
    public static float[] perKvHead(ClContext cl, ClBuffer rawKeys, KvBlock block, float[] queries, int hq, int[] positions) {
        try (ClBuffer out = onDevice(cl, rawKeys, block, queries, hq, positions)) {
            return out.readFloats(block.heads() * block.tokens());
        }
    }

    /**
     * As {@link #perKvHead(ClContext, KvBlock, float[], int, int[])}, the (Hkv, T) sums left on the device for a further
     * kernel (no read-back); the caller closes the buffer. Keys from the context's resident copy of the layer.
     */
    public static ClBuffer onDevice(ClContext cl, KvBlock block, float[] queries, int hq, int[] positions) {
        return onDevice(cl, cl.resident(block).keys(), block, queries, hq, positions);
    }

    private static ClBuffer onDevice(ClContext cl, ClBuffer rawKeys, KvBlock block, float[] queries, int hq, int[] positions) {
        int hkv = block.heads(), dim = block.headDim(), tokens = block.tokens(), rows = positions.length;
        if (queries.length != (long) hq * rows * dim)
            throw new IllegalArgumentException("queries: expected (Hq=" + hq + ", n=" + rows + ", D=" + dim + ") = " + (long) hq * rows * dim
                    + " floats, got " + queries.length);
        if (hq % hkv != 0)
            throw new IllegalArgumentException("query heads (" + hq + ") must be a multiple of KV heads (" + hkv + ")");
        Tiling tiling = cl.tiling();
        int tokensPadded = tiling.padded(tokens), rowsPadded = tiling.padded(rows), groupSize = hq / hkv;
        int rowBlocks = rowsPadded / tiling.lanes();
        int splits = splits(cl, hq, rowBlocks), items = hq * splits;
        long slotFloats = (long) (tokensPadded + tokensPadded / tiling.chunk()) * tiling.lanes();
        int slots = (int) Math.max(1, Math.min(items, MAX_SCRATCH_BYTES / (slotFloats * Float.BYTES)));
        float scale = (float) (1.0 / Math.sqrt(dim));
        ClProgram program = cl.program(FILE, tiling.options(dim));
        // the keys are only padded when T is not a tile multiple (try-with-resources skips nulls)
        try (ClBuffer paddedKeys = tokens == tokensPadded ? null : layout(cl, rawKeys, hkv, tokens, tokensPadded, dim, "pad_rows");
             ClBuffer rawQueries = cl.upload(queries);
             ClBuffer qT = layout(cl, rawQueries, hq, rows, rowsPadded, dim, "transpose_rows");
             ClBuffer positionBuffer = cl.upload(paddedPositions(positions, rowsPadded));
             ClBuffer scratch = cl.allocateFloats(slots * slotFloats);
             ClBuffer partial = cl.allocateFloats((long) items * tokensPadded);
             ClKernel blocks = program.kernel("block_column_sums");
             ClKernel sums = program.kernel("sum_partials")) {
            ClBuffer keys = paddedKeys != null ? paddedKeys : rawKeys;
            // (1)-(3) per (query head, split): logits, row statistics and column contributions of its row blocks   (Hq·S, TP)
            blocks.arg(qT).arg(keys).arg(positionBuffer).arg(rows).arg(rowsPadded).arg(tokens).arg(tokensPadded).arg(groupSize)
                    .arg(splits).arg(scale).arg(0).arg(scratch).arg(partial);
            assert blocks.argumentCount() == ITEM_OFFSET_ARG + 3;
            for (int offset = 0; offset < items; offset += slots)                  // waves share the scratch, in queue order
                blocks.set(ITEM_OFFSET_ARG, offset).launch(new long[] {Math.min(slots, items - offset)}, new long[] {1});
            // (4) a_kv[j] = Σ_{q ∈ group(kv)} Σ_s partial[q, s, j]                                                    (Hkv, T)
            ClBuffer out = cl.allocateFloats((long) hkv * tokens);
            try {
                sums.arg(partial).arg(tokens).arg(tokensPadded).arg(groupSize).arg(splits).arg(out).launch(new long[] {tokens, hkv}, null);
            } catch (RuntimeException e) {
                out.close();
                throw e;
            }
            return out;
        }
    }

    /** Row splits per query head: enough work-items for the device, at most one per row block. */
    static int splits(ClContext cl, int queryHeads, int rowBlocks) {
        int wanted = Math.max(1, cl.device().computeUnits()) * ITEMS_PER_COMPUTE_UNIT;
        return Math.max(1, Math.min(rowBlocks, (wanted + queryHeads - 1) / queryHeads));
    }

    /** (B, R, D) on the device laid out by {@code kernel} ("pad_rows": (B, RP, D); "transpose_rows": (B, D, RP)). */
    public static ClBuffer layout(ClContext cl, ClBuffer in, int batch, int rows, int rowsPadded, int dim, String kernel) {
        ClBuffer out = cl.allocateFloats((long) batch * rowsPadded * dim);
        try (ClKernel k = cl.program(LAYOUT, "").kernel(kernel)) {
            k.arg(in).arg(rows).arg(rowsPadded).arg(dim).arg(out).launch(new long[] {rowsPadded, dim, batch}, null);
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
