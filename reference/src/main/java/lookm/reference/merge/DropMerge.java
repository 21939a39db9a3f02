package lookm.reference.merge;

import java.util.ArrayList;
import java.util.List;
import lookm.reference.ops.Rows;
import lookm.spec.policy.Merger;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/** Plain eviction: gather the kept rows bit for bit; evicted tokens are dropped. */
public final class DropMerge implements Merger {
    @Override public CompressedLayer merge(KvBlock block, Selection selection) {
        List<HeadCompression> out = new ArrayList<>(block.heads());
        for (int h = 0; h < block.heads(); h++) {
            int[] kept = selection.kept(h);
            out.add(HeadCompression.dropped(kept, selection.evicted(h),
                    Rows.copy(block.keys(), block.tokens(), block.headDim(), h, kept),
                    Rows.copy(block.values(), block.tokens(), block.headDim(), h, kept)));
        }
        return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
    }
}
