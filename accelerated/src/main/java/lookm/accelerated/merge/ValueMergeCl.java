package lookm.accelerated.merge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Merger;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * OpenCL twin of {@code lookm.reference.merge.ValueMerge} (kvpress MergingPress): (1)-(2) the cosine match
 * ({@link CosineMatchCl}), (3) targets and weights (value_merge.cl `value_merge_weights`), (4) each kept value row by its
 * owner (match_merge.cl `owners_of_kept_rows`, value_merge.cl `merge_values`); keys gathered unchanged (gather.cl).
 */
public final class ValueMergeCl implements Merger {
    private final ClContext cl;
    private final MergeSpec.ValueMerge spec;

    public ValueMergeCl(ClContext cl, MergeSpec.ValueMerge spec) {
        this.cl = cl;
        this.spec = spec;
    }

    @Override public CompressedLayer merge(KvBlock block, Selection selection) {
        int heads = block.heads();
        try (DeviceLayer layer = DeviceLayer.upload(cl, block, selection);
             CosineMatchCl.Matches matches = CosineMatchCl.compute(cl, layer);                          // (1)-(2)
             ClBuffer target = cl.allocateInts((long) heads * layer.evictedStride);
             ClBuffer weight = cl.allocateFloats((long) heads * layer.evictedStride);
             ClBuffer rowStart = cl.allocateInts((long) heads * (layer.keptStride + 1));
             ClBuffer sources = cl.allocateInts((long) heads * layer.evictedStride);
             ClBuffer keys = cl.allocateFloats((long) heads * layer.keptStride * layer.dim);
             ClBuffer values = cl.allocateFloats((long) heads * layer.keptStride * layer.dim);
             ClKernel weights = cl.program("value_merge", "").kernel("value_merge_weights");
             ClKernel owners = cl.program("match_merge", "").kernel("owners_of_kept_rows");
             ClKernel merge = cl.program("value_merge", "").kernel("merge_values");
             ClKernel gather = cl.program("gather", "").kernel("gather_kept_rows")) {
            // (3) target = match where σ ≥ threshold; w = max(σ, 0)·‖v_e‖/(‖v_e‖ + ‖v_τ‖ + ε)
            weights.arg(layer.values).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride)
                    .arg(layer.evictedPositions).arg(layer.evictedStride).arg(layer.evictedCounts).arg(matches.index()).arg(matches.similarity())
                    .arg((float) spec.similarityThreshold()).arg((float) MergeSpec.ValueMerge.EPSILON).arg(target).arg(weight)
                    .launch(new long[] {layer.evictedStride, heads}, null);
            // (4) owners in ascending slot order, then each kept value row; keys copied bit for bit
            owners.arg(target).arg(layer.evictedStride).arg(layer.evictedCounts).arg(layer.keptStride).arg(layer.keptCounts)
                    .arg(rowStart).arg(sources).launch(new long[] {heads}, null);
            long[] rows = {layer.dim, layer.keptStride, heads};
            merge.arg(layer.values).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride).arg(layer.keptCounts)
                    .arg(layer.evictedPositions).arg(layer.evictedStride).arg(weight).arg(rowStart).arg(sources).arg(values).launch(rows, null);
            gather.arg(layer.keys).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride).arg(layer.keptCounts)
                    .arg(keys).launch(rows, null);
            int stride = layer.evictedStride, size = heads * layer.keptStride * layer.dim;
            int[] match = matches.index().readInts(heads * stride), targets = target.readInts(heads * stride);
            float[] similarity = matches.similarity().readFloats(heads * stride), w = weight.readFloats(heads * stride);
            float[] k = keys.readFloats(size), v = values.readFloats(size);
            List<HeadCompression> out = new ArrayList<>(heads);
            for (int h = 0; h < heads; h++) {
                int p = layer.evicted[h].length, from = h * layer.keptStride * layer.dim, to = from + layer.kept[h].length * layer.dim;
                out.add(new HeadCompression(layer.kept[h], layer.evicted[h], DeviceLayer.row(match, h, stride, p), DeviceLayer.row(similarity, h, stride, p),
                        DeviceLayer.row(targets, h, stride, p), DeviceLayer.row(w, h, stride, p), Arrays.copyOfRange(k, from, to), Arrays.copyOfRange(v, from, to)));
            }
            return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
        }
    }
}
