package lookm.accelerated.merge;

import java.util.ArrayList;
import java.util.List;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.Merger;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * OpenCL twin of {@code lookm.reference.merge.MatchMerge}, the skeleton shared by the pivot, average and weighted
 * merges: (1)-(2) cosine match per head ({@link CosineMatchCl}), (3)-(4) the variant's assignment (filter, pairing,
 * weights), (5) owner-computes row merge of keys and values (match_merge.cl):
 * row'_r = [row_r + Σ_{s→r} (w_s·row_{e_s} + π·row_r)] / (1 + n_r), π the variant's pivot share.
 */
public abstract class MatchMergeCl implements Merger {
    protected final ClContext cl;

    protected MatchMergeCl(ClContext cl) { this.cl = cl; }

    /** Steps (3)-(4): fills target (H, stride) int and weight (H, stride) float on the device. */
    abstract void assign(DeviceLayer layer, CosineMatchCl.Matches matches, ClBuffer target, ClBuffer weight);

    /** π: how much of the kept row each merged token brings along (1/2 for pivot, 0 otherwise). */
    abstract float pivotShare();

    @Override public final CompressedLayer merge(KvBlock block, Selection selection) {
        int heads = block.heads();
        try (DeviceLayer layer = DeviceLayer.upload(cl, block, selection);
             CosineMatchCl.Matches matches = CosineMatchCl.compute(cl, layer);                          // (1)-(2)
             ClBuffer target = cl.allocateInts((long) heads * layer.evictedStride);
             ClBuffer weight = cl.allocateFloats((long) heads * layer.evictedStride)) {
            assign(layer, matches, target, weight);                                                  // (3)-(4)
            float[] keys = mergeRows(layer, layer.keys, target, weight);                             // (5)
            float[] values = mergeRows(layer, layer.values, target, weight);
            int stride = layer.evictedStride;
            int[] match = matches.index().readInts(heads * stride), targets = target.readInts(heads * stride);
            float[] similarity = matches.similarity().readFloats(heads * stride), weights = weight.readFloats(heads * stride);
            List<HeadCompression> out = new ArrayList<>(heads);
            for (int h = 0; h < heads; h++) {
                int c = layer.kept[h].length, p = layer.evicted[h].length, from = h * layer.keptStride * layer.dim;
                out.add(new HeadCompression(layer.kept[h], layer.evicted[h], DeviceLayer.row(match, h, stride, p),
                        DeviceLayer.row(similarity, h, stride, p), DeviceLayer.row(targets, h, stride, p), DeviceLayer.row(weights, h, stride, p),
                        java.util.Arrays.copyOfRange(keys, from, from + c * layer.dim),
                        java.util.Arrays.copyOfRange(values, from, from + c * layer.dim)));
            }
            return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
        }
    }

    /** Step (5) for keys or values: (H, keptStride, D) read back. */
    private float[] mergeRows(DeviceLayer layer, ClBuffer data, ClBuffer target, ClBuffer weight) {
        int heads = layer.heads;
        try (ClBuffer rowStart = cl.allocateInts((long) heads * (layer.keptStride + 1));
             ClBuffer sources = cl.allocateInts((long) heads * layer.evictedStride);
             ClBuffer out = cl.allocateFloats((long) heads * layer.keptStride * layer.dim);
             ClKernel owners = cl.program("merge/match_merge", "").kernel("owners_of_kept_rows");
             ClKernel rows = cl.program("merge/match_merge", "").kernel("merge_rows")) {
            // (5a) per kept row, its sources in ascending evicted order
            owners.arg(target).arg(layer.evictedStride).arg(layer.evictedCounts).arg(layer.keptStride).arg(layer.keptCounts)
                    .arg(rowStart).arg(sources).launch(new long[] {heads}, null);
            // (5b) each kept row computed by its owner
            rows.arg(data).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride).arg(layer.keptCounts)
                    .arg(layer.evictedPositions).arg(layer.evictedStride).arg(weight).arg(rowStart).arg(sources).arg(pivotShare()).arg(out)
                    .launch(new long[] {layer.dim, layer.keptStride, heads}, null);
            return out.readFloats(heads * layer.keptStride * layer.dim);
        }
    }
}
