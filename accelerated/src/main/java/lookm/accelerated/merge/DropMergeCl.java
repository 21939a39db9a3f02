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

/** OpenCL twin of {@code lookm.reference.merge.DropMerge} (gather.cl): the kept rows bit for bit; evicted tokens dropped. */
public final class DropMergeCl implements Merger {
    private final ClContext cl;

    public DropMergeCl(ClContext cl) { this.cl = cl; }

    @Override public CompressedLayer merge(KvBlock block, Selection selection) {
        try (DeviceLayer layer = DeviceLayer.upload(cl, block, selection)) {
            float[] keys = gather(layer, layer.keys), values = gather(layer, layer.values);
            List<HeadCompression> out = new ArrayList<>(layer.heads);
            for (int h = 0; h < layer.heads; h++) {
                int from = h * layer.keptStride * layer.dim, to = from + layer.kept[h].length * layer.dim;
                out.add(HeadCompression.dropped(layer.kept[h], layer.evicted[h],
                        java.util.Arrays.copyOfRange(keys, from, to), java.util.Arrays.copyOfRange(values, from, to)));
            }
            return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
        }
    }

    private float[] gather(DeviceLayer layer, ClBuffer data) {
        try (ClBuffer out = cl.allocateFloats((long) layer.heads * layer.keptStride * layer.dim);
             ClKernel gather = cl.program("merge/gather", "").kernel("gather_kept_rows")) {
            gather.arg(data).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride).arg(layer.keptCounts).arg(out)
                    .launch(new long[] {layer.dim, layer.keptStride, layer.heads}, null);
            return out.readFloats(layer.heads * layer.keptStride * layer.dim);
        }
    }
}
