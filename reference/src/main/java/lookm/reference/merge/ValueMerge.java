package lookm.reference.merge;

import java.util.ArrayList;
import java.util.List;
import lookm.reference.ops.Rows;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Merger;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * Value-only merge, kvpress MergingPress (SPEC.md §4.6): (1)-(2) the cosine match of §4.1, (3) weight
 * w_e = max(σ_e, 0)·‖v_e‖ / (‖v_e‖ + ‖v_τ‖ + ε) where σ_e ≥ threshold, (4) v'_s = (v_s + Σ_{τ(e)=s} w_e·v_e)/(1 + Σ w_e)
 * where Σ w_e > 0, else v_s bit for bit. Keys are copied unchanged (RoPE-safe).
 */
public final class ValueMerge implements Merger {
    private final MergeSpec.ValueMerge spec;

    public ValueMerge(MergeSpec.ValueMerge spec) { this.spec = spec; }

    @Override public CompressedLayer merge(KvBlock block, Selection selection) {
        int dim = block.headDim(), tokens = block.tokens();
        List<HeadCompression> out = new ArrayList<>(block.heads());
        for (int h = 0; h < block.heads(); h++) {
            int[] kept = selection.kept(h), evicted = selection.evicted(h);
            CosineMatch.Match match = CosineMatch.compute(block, h, kept, evicted);            // (1)-(2)
            int[] target = new int[evicted.length];
            float[] similarity = new float[evicted.length], weight = new float[evicted.length];
            float[] values = Rows.copy(block.values(), tokens, dim, h, kept);
            double[] numerator = new double[kept.length * dim], weightSum = new double[kept.length];
            for (int i = 0; i < numerator.length; i++) numerator[i] = values[i];
            for (int s = 0; s < evicted.length; s++) {
                int r = match.index()[s];
                similarity[s] = (float) match.similarity()[s];
                target[s] = r >= 0 && match.similarity()[s] >= spec.similarityThreshold() ? r : -1;
                if (target[s] < 0) continue;
                int source = block.offset(h, evicted[s]);
                // (3) w = max(σ, 0)·‖v_e‖ / (‖v_e‖ + ‖v_τ‖ + ε)
                double evictedNorm = norm(block.values(), source, dim), targetNorm = norm(values, r * dim, dim);
                double w = Math.max(match.similarity()[s], 0) * evictedNorm / (evictedNorm + targetNorm + MergeSpec.ValueMerge.EPSILON);
                weight[s] = (float) w;
                weightSum[r] += w;
                for (int c = 0; c < dim; c++) numerator[r * dim + c] += w * block.values()[source + c];
            }
            // (4) v'_s = (v_s + Σ w·v_e) / (1 + Σ w) where Σ w > 0
            for (int r = 0; r < kept.length; r++)
                if (weightSum[r] > 0) for (int c = 0; c < dim; c++) values[r * dim + c] = (float) (numerator[r * dim + c] / (1 + weightSum[r]));
            out.add(new HeadCompression(kept, evicted, match.index(), similarity, target, weight,
                    Rows.copy(block.keys(), tokens, dim, h, kept), values));
        }
        return new CompressedLayer(out, tokens, dim, block.layout());
    }

    private static double norm(float[] data, int offset, int dim) {
        double sum = 0;
        for (int c = 0; c < dim; c++) sum += (double) data[offset + c] * data[offset + c];
        return Math.sqrt(sum);
    }
}
