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
 * OpenCL twin of {@code lookm.reference.merge.DropMerge} (gather.cl): the kept rows bit for bit; evicted tokens dropped.
 * A tensor already resident on the device is gathered there; one that is not (V always, K when the score did not read
 * it) is gathered on the host, since uploading a whole layer to read a fifth of it back is the costlier copy.
 */
public final class DropMergeCl implements Merger {
    private final ClContext cl;

    public DropMergeCl(ClContext cl) { this.cl = cl; }

    @Override public CompressedLayer merge(KvBlock block, Selection selection) {
        try (DeviceLayer layer = DeviceLayer.upload(cl, block, selection)) {
            // a tensor already on the device (the score stage uploaded K) is gathered there; one that is not is gathered on
            // the host: uploading it only to read rows back would cost a whole-layer copy for nothing
            float[][] keys = layer.resident.hasKeys() ? onDevice(layer, layer.keys()) : onHost(layer, block.keys());
            float[][] values = layer.resident.hasValues() ? onDevice(layer, layer.values()) : onHost(layer, block.values());
            List<HeadCompression> out = new ArrayList<>(layer.heads);
            for (int h = 0; h < layer.heads; h++) out.add(HeadCompression.dropped(layer.kept[h], layer.evicted[h], keys[h], values[h]));
            return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
        }
    }

    /** gather.cl on the device, each head's kept rows read straight into its own array. */
    private float[][] onDevice(DeviceLayer layer, ClBuffer data) {
        try (ClBuffer rows = cl.allocateFloats((long) layer.heads * layer.keptStride * layer.dim);
             ClKernel gather = cl.program("merge/gather", "").kernel("gather_kept_rows")) {
            gather.arg(data).arg(layer.tokens).arg(layer.dim).arg(layer.keptPositions).arg(layer.keptStride).arg(layer.keptCounts).arg(rows)
                    .launch(new long[] {layer.dim, layer.keptStride, layer.heads}, null);
            float[][] out = new float[layer.heads][];
            for (int h = 0; h < layer.heads; h++) out[h] = layer.keptRows(rows, h);
            return out;
        }
    }

    /** The same rows copied on the host, bit for bit, from (H, T, D) {@code data}. */
    private static float[][] onHost(DeviceLayer layer, float[] data) {
        float[][] out = new float[layer.heads][];
        for (int h = 0; h < layer.heads; h++) {
            int[] kept = layer.kept[h];
            out[h] = new float[kept.length * layer.dim];
            for (int r = 0; r < kept.length; r++)
                System.arraycopy(data, (h * layer.tokens + kept[r]) * layer.dim, out[h], r * layer.dim, layer.dim);
        }
        return out;
    }
}
