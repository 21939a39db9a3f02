package lookm.reference.merge;

import java.util.ArrayList;
import java.util.List;
import lookm.reference.ops.Rows;
import lookm.spec.policy.Merger;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * The merge skeleton shared by pivot, average and weighted merges (SPEC.md §4): (1)-(2) cosine match per head,
 * (3)-(4) the variant's assignment (filter, pairing, weights), (5) owner-computes row merge of keys and values:
 * row'_r = [row_r + Σ_{s→r} (w_s·row_{e_s} + π·row_r)] / (1 + n_r), π the variant's pivot share.
 */
public abstract class MatchMerge implements Merger {
    /** Steps (3)-(4): per head, targets and weights from the matches of all heads. */
    protected abstract Assignment[] assign(CosineMatch.Match[] matches);

    /** π: how much of the kept row each merged token brings along (1/2 for pivot, 0 otherwise). */
    protected abstract double pivotShare();

    @Override public final CompressedLayer merge(KvBlock block, Selection selection) {
        int heads = block.heads();
        int[][] kept = new int[heads][], evicted = new int[heads][];
        CosineMatch.Match[] matches = new CosineMatch.Match[heads];
        for (int h = 0; h < heads; h++) {                                      // (1)-(2)
            kept[h] = selection.kept(h);
            evicted[h] = selection.evicted(h);
            matches[h] = CosineMatch.compute(block, h, kept[h], evicted[h]);
        }
        Assignment[] assignments = assign(matches);                            // (3)-(4)
        List<HeadCompression> out = new ArrayList<>(heads);
        for (int h = 0; h < heads; h++) {
            Assignment a = assignments[h];
            float[] similarity = new float[evicted[h].length];
            for (int s = 0; s < similarity.length; s++) similarity[s] = (float) matches[h].similarity()[s];
            out.add(new HeadCompression(kept[h], evicted[h], matches[h].index(), similarity, a.target(), a.weight(),
                    mergeRows(block.keys(), block, h, kept[h], evicted[h], a), mergeRows(block.values(), block, h, kept[h], evicted[h], a)));   // (5)
        }
        return new CompressedLayer(out, block.tokens(), block.headDim(), block.layout());
    }

    /** Step (5) for keys or values of one head: each kept row is computed by its owner, in double. */
    private float[] mergeRows(float[] data, KvBlock block, int head, int[] kept, int[] evicted, Assignment a) {
        int dim = block.headDim();
        float[] out = Rows.copy(data, block.tokens(), dim, head, kept);        // rows nobody merges into stay bit-identical
        double[] numerator = new double[kept.length * dim];
        int[] count = new int[kept.length];
        for (int s = 0; s < evicted.length; s++) {
            int r = a.target()[s];
            if (r < 0) continue;
            if (count[r]++ == 0) for (int c = 0; c < dim; c++) numerator[r * dim + c] = out[r * dim + c];
            int source = block.offset(head, evicted[s]);
            for (int c = 0; c < dim; c++)
                numerator[r * dim + c] += a.weight()[s] * (double) data[source + c] + pivotShare() * out[r * dim + c];
        }
        for (int r = 0; r < kept.length; r++)
            if (count[r] > 0) for (int c = 0; c < dim; c++) out[r * dim + c] = (float) (numerator[r * dim + c] / (1 + count[r]));
        return out;
    }

    /** Targets = matches, one weight for all: the unfiltered assignment. */
    protected static Assignment everyMatch(CosineMatch.Match match, float weight) {
        float[] w = new float[match.index().length];
        for (int s = 0; s < w.length; s++) w[s] = match.index()[s] < 0 ? 0f : weight;
        return new Assignment(match.index().clone(), w);
    }

    /** Slots kept by the filter go to their own match with weight {@code weight.of(s)}; the others are not merged. */
    protected static Assignment filteredMatch(CosineMatch.Match match, boolean[] keep, SlotWeight weight) {
        int[] target = new int[match.index().length];
        float[] w = new float[target.length];
        java.util.Arrays.fill(target, -1);
        for (int s = 0; s < target.length; s++)
            if (keep[s] && match.index()[s] >= 0) {
                target[s] = match.index()[s];
                w[s] = weight.of(s);
            }
        return new Assignment(target, w);
    }

    /** The coefficient of evicted slot s's row. */
    @FunctionalInterface
    protected interface SlotWeight { float of(int slot); }

    /** The filter's decision per slot, or all true when unfiltered. */
    protected static boolean[] slotFilter(CosineMatch.Match[] matches, boolean filter) {
        if (!filter) {
            boolean[] all = new boolean[matches[0].index().length];
            java.util.Arrays.fill(all, true);
            return all;
        }
        double[][] similarity = new double[matches.length][];
        for (int h = 0; h < matches.length; h++) similarity[h] = matches[h].similarity();
        return MeanSimilarityFilter.keep(similarity);
    }
}
