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
    /** Argument index of {@code itemOffset} in block_column_sums and window_column_sums. */
    private static final int ITEM_OFFSET_ARG = 10;
    /**
     * Most row blocks per work-item that window_column_sums walks the keys with at once (one read of K for all of
     * them; its scratch slot and private state grow with the count). More, as for a long prefill's causal scores,
     * run block_column_sums one row block at a time (there K's reads are spread over many work-items anyway).
     */
    static final int MAX_JOINT_BLOCKS = 8;

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
        try (ClBuffer out = onDevice(cl, rawKeys, block, queries, hq, positions, true)) {
            return out.readFloats(block.heads() * block.tokens());
        }
    }

    /**
     * As {@link #perKvHead(ClContext, KvBlock, float[], int, int[])} with block_column_sums only (one row block per
     * pass over the keys, never window_column_sums): the same floats bit for bit, slower for few rows. For tests
     * that hold the two kernels to each other.
     */
    public static float[] perKvHeadBlockByBlock(ClContext cl, KvBlock block, float[] queries, int hq, int[] positions) {
        try (ClBuffer out = onDevice(cl, cl.resident(block).keys(), block, queries, hq, positions, false)) {
            return out.readFloats(block.heads() * block.tokens());
        }
    }

    /**
     * As {@link #perKvHead(ClContext, KvBlock, float[], int, int[])}, the (Hkv, T) sums left on the device for a further
     * kernel (no read-back); the caller closes the buffer. Keys from the context's resident copy of the layer.
     */
    public static ClBuffer onDevice(ClContext cl, KvBlock block, float[] queries, int hq, int[] positions) {
        return onDevice(cl, cl.resident(block).keys(), block, queries, hq, positions, true);
    }

    private static ClBuffer onDevice(ClContext cl, ClBuffer rawKeys, KvBlock block, float[] queries, int hq, int[] positions, boolean joint) {
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
        // few row blocks per work-item (window scores): all of them walk the keys together (window_column_sums)
        int jointBlocks = joint ? jointBlocks(rowBlocks, splits) : 0;
        long slotFloats = (long) (tokensPadded + tokensPadded / tiling.chunk()) * tiling.lanes() * Math.max(1, jointBlocks);
        int slots = (int) Math.max(1, Math.min(items, MAX_SCRATCH_BYTES / (slotFloats * Float.BYTES)));
        float scale = (float) (1.0 / Math.sqrt(dim));
        ClProgram program = cl.program(FILE, tiling.options(dim) + (jointBlocks > 0 ? " -DBLOCKS=" + jointBlocks : ""));
        // the keys are only padded when T is not a tile multiple (try-with-resources skips nulls)
        try (ClBuffer paddedKeys = tokens == tokensPadded ? null : layout(cl, rawKeys, hkv, tokens, tokensPadded, dim, "pad_rows");
             ClBuffer rawQueries = cl.upload(queries);
             ClBuffer qT = layout(cl, rawQueries, hq, rows, rowsPadded, dim, "transpose_rows");
             ClBuffer positionBuffer = cl.upload(paddedPositions(positions, rowsPadded));
             ClBuffer partial = cl.allocateFloats((long) items * tokensPadded);
             ClKernel blocks = program.kernel(jointBlocks > 0 ? "window_column_sums" : "block_column_sums");
             ClKernel sums = program.kernel("sum_partials")) {
            ClBuffer keys = paddedKeys != null ? paddedKeys : rawKeys;
            ClBuffer scratch = cl.scratch(slots * slotFloats * Float.BYTES);      // the context's: reused, not closed here
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

    /**
     * Row blocks per work-item for window_column_sums (⌈rowBlocks / splits⌉ when that is 2 to {@link #MAX_JOINT_BLOCKS}),
     * or 0: block_column_sums (one row block per work-item anyway, or too many to walk the keys together); for
     * {@code rows} query rows of {@code queryHeads} heads on this context's device.
     */
    public static int jointBlocks(ClContext cl, int queryHeads, int rows) {
        int rowBlocks = cl.tiling().padded(rows) / cl.tiling().lanes();
        return jointBlocks(rowBlocks, splits(cl, queryHeads, rowBlocks));
    }

    static int jointBlocks(int rowBlocks, int splits) {
        int perItem = (rowBlocks + splits - 1) / splits;
        return perItem >= 2 && perItem <= MAX_JOINT_BLOCKS ? perItem : 0;
    }

    /** Row splits per query head: enough work-items for the device, at most one per row block. */
    static int splits(ClContext cl, int queryHeads, int rowBlocks) { return splits(cl.device().computeUnits(), queryHeads, rowBlocks); }

    /** {@link #splits(ClContext, int, int)} on a device of {@code computeUnits} compute units. */
    static int splits(int computeUnits, int queryHeads, int rowBlocks) {
        int wanted = Math.max(1, computeUnits) * ITEMS_PER_COMPUTE_UNIT;
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
