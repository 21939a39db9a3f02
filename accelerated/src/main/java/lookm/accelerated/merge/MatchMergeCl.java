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
            long rows = (long) heads * layer.keptStride * layer.dim;
            try (ClBuffer rowStart = cl.allocateInts((long) heads * (layer.keptStride + 1));
                 ClBuffer sources = cl.allocateInts((long) heads * layer.evictedStride);
                 ClBuffer keys = cl.allocateFloats(rows); ClBuffer values = cl.allocateFloats(rows)) {
                owners(layer, target, rowStart, sources);                                            // (5a)
                mergeRows(layer, layer.keys(), weight, rowStart, sources, keys);                       // (5b)
                mergeRows(layer, layer.values(), weight, rowStart, sources, values);
                int stride = layer.evictedStride;
                List<HeadCompression> out = new ArrayList<>(heads);
                for (int h = 0; h < heads; h++) {                                   // each head read straight into its own arrays
                    int p = layer.evicted[h].length;
                    long from = (long) h * stride;
                    out.add(new HeadCompression(layer.kept[h], layer.evicted[h], matches.index().readInts(from, p),
                            matches.similarity().readFloats(from, p), target.readInts(from, p), weight.readFloats(from, p),
                            layer.keptRows(keys, h), layer.keptRows(values, h)));
                }
                return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
            }
        }
    }

    /** Step (5a): per kept row, its sources in ascending evicted order (shared by keys and values). */
    private void owners(DeviceLayer layer, ClBuffer target, ClBuffer rowStart, ClBuffer sources) {
        try (ClKernel owners = cl.program("merge/match_merge", "").kernel("owners_of_kept_rows")) {
            owners.arg(target).arg(layer.evictedStride).arg(layer.evictedCounts).arg(layer.keptStride).arg(layer.keptCounts)
                    .arg(rowStart).arg(sources).launch(new long[] {layer.heads}, null);
        }
    }

    /** Step (5b) for keys or values: each kept row computed by its owner, into (H, keptStride, D). */
    private void mergeRows(DeviceLayer layer, ClBuffer data, ClBuffer weight, ClBuffer rowStart, ClBuffer sources, ClBuffer out) {
        try (ClKernel rows = cl.program("merge/match_merge", "").kernel("merge_rows")) {
            rows.arg(data).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride).arg(layer.keptCounts)
                    .arg(layer.evictedPositions).arg(layer.evictedStride).arg(weight).arg(rowStart).arg(sources).arg(pivotShare()).arg(out)
                    .launch(new long[] {layer.dim, layer.keptStride, layer.heads}, null);
        }
    }
}
