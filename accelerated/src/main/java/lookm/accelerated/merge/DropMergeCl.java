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
            long rows = (long) layer.heads * layer.keptStride * layer.dim;
            try (ClBuffer keys = cl.allocateFloats(rows); ClBuffer values = cl.allocateFloats(rows)) {
                gather(layer, layer.keys, keys);
                gather(layer, layer.values, values);
                List<HeadCompression> out = new ArrayList<>(layer.heads);
                for (int h = 0; h < layer.heads; h++)                               // each head's rows read into its own arrays
                    out.add(HeadCompression.dropped(layer.kept[h], layer.evicted[h], layer.keptRows(keys, h), layer.keptRows(values, h)));
                return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
            }
        }
    }

    private void gather(DeviceLayer layer, ClBuffer data, ClBuffer out) {
        try (ClKernel gather = cl.program("merge/gather", "").kernel("gather_kept_rows")) {
            gather.arg(data).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride).arg(layer.keptCounts).arg(out)
                    .launch(new long[] {layer.dim, layer.keptStride, layer.heads}, null);
        }
    }
}
