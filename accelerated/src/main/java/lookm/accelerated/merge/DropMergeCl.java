package lookm.accelerated.merge;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import lookm.accelerated.cl.ClContext;
import lookm.spec.policy.Merger;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * OpenCL twin of {@code lookm.reference.merge.DropMerge}: the kept rows bit for bit; evicted tokens dropped.
 *
 * <p>A drop is a pure copy of rows the host already holds, so both K and V are gathered on the host, whether or not
 * the score stage put K on the device: a device gather would copy the same bytes and then read them back (measured on
 * PoCL at 32 × 4096 × 128: 25-45 ms for K's device gather and 32 read-backs, against about 5 ms for the host copy).
 * Runs of consecutive kept positions are copied as one block; heads are copied in parallel. The merge is the last
 * stage of a compression, so it releases the context's resident copy of the layer (the ownership rule of
 * {@link lookm.accelerated.cl.ResidentLayer}).
 */
public final class DropMergeCl implements Merger {
    private final ClContext cl;

    public DropMergeCl(ClContext cl) { this.cl = cl; }

    @Override public CompressedLayer merge(KvBlock block, Selection selection) {
        int heads = block.heads();
        if (selection.heads() != heads || selection.tokens() != block.tokens())
            throw new IllegalArgumentException("selection covers (H=" + selection.heads() + ", T=" + selection.tokens()
                    + "), the block is (H=" + heads + ", T=" + block.tokens() + ")");
        cl.release(block);                                                      // no stage reads the device copy after this
        HeadCompression[] out = new HeadCompression[heads];
        IntStream.range(0, heads).parallel().forEach(h -> {
            int[] kept = selection.kept(h);
            out[h] = HeadCompression.dropped(kept, selection.evicted(h), keptRows(block.keys(), block, h, kept),
                    keptRows(block.values(), block, h, kept));
        });
        List<HeadCompression> list = new ArrayList<>(List.of(out));
        return new CompressedLayer(list, block.tokens(), block.headDim(), block.layout());
    }

    /** Head h's kept rows of (H, T, D) {@code data}, (c_h, D), bit for bit; each run of consecutive positions in one copy. */
    static float[] keptRows(float[] data, KvBlock block, int h, int[] kept) {
        int dim = block.headDim();
        float[] rows = new float[kept.length * dim];
        for (int r = 0; r < kept.length; ) {
            int end = r + 1;
            while (end < kept.length && kept[end] == kept[end - 1] + 1) end++;            // kept is ascending
            System.arraycopy(data, block.offset(h, kept[r]), rows, r * dim, (end - r) * dim);
            r = end;
        }
        return rows;
    }
}
