package lookm.spec.allocate;

import lookm.spec.policy.AllocateSpec;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * The per-layer statistic of a profile allocation (SPEC.md §3A.5), from the recorded prefill queries q_i (positions
 * p_i < T, the observation window; the post-vision ones where there are any) and the keys:
 * a_i = softmax_{j ≤ p_i}(q_i·k_j/√D), in double, per query head.
 * One layer at a time, so a first pass over a trace holds a single layer.
 */
public final class LayerProfiles {
    private LayerProfiles() {}

    /**
     * The statistic of {@code spec} for one layer: density 1 − sparsity (VL-Cache-like) or mean normalised entropy
     * (MEDA-like).
     *
     * @throws IllegalArgumentException if the allocation needs no profile, or the observation has no prefill queries
     */
    public static double statistic(AllocateSpec spec, KvBlock block, Observation observation, int layer) {
        Queries q = observation.prefill().orElseThrow(() -> new IllegalArgumentException(
                spec + " measures attention on the prefill window queries, but layer " + layer + " of the trace has none"));
        HeadGroups groups = HeadGroups.of(q.queryHeads(), block, spec.toString());
        if (q.headDim() != block.headDim())
            throw new IllegalArgumentException(spec + ": layer " + layer + " prefill queries have D=" + q.headDim() + ", keys have D=" + block.headDim());
        int[] rowsUsed = postVisionRows(q, block.layout(), block.tokens());
        double sum = 0;
        long rows = 0;
        for (int qh = 0; qh < q.queryHeads(); qh++)
            for (int r : rowsUsed) {
                int visible = Math.min(q.positions()[r], block.tokens() - 1) + 1;
                double[] a = attention(q, qh, r, block, groups.kvHeadOf(qh), visible);
                if (spec instanceof AllocateSpec.SparsityAware s) sum += density(a, s.threshold());
                else if (spec instanceof AllocateSpec.EntropyAware e) sum += normalisedEntropy(e.crossModal() ? imageOnly(a, block.layout()) : a);
                else throw new IllegalArgumentException(spec + " has no per-layer profile");
                rows++;
            }
        return sum / rows;
    }

    /** (0) The rows measured: VL-Cache's post-vision queries ({@link Queries#postVisionRows}). */
    static int[] postVisionRows(Queries q, TokenLayout layout, int tokens) { return q.postVisionRows(layout, tokens); }

    /** (1) a_j = softmax_{j < visible}(q·k_j/√D), double. */
    static double[] attention(Queries q, int qh, int row, KvBlock block, int kvHead, int visible) {
        int d = block.headDim(), qo = q.offset(qh, row);
        double scale = 1.0 / Math.sqrt(d), max = Double.NEGATIVE_INFINITY, sum = 0;
        double[] a = new double[visible];
        float[] keys = block.keys(), data = q.data();
        for (int j = 0; j < visible; j++) {
            int ko = block.offset(kvHead, j);
            double dot = 0;
            for (int i = 0; i < d; i++) dot += (double) data[qo + i] * keys[ko + i];
            a[j] = dot * scale;
            max = Math.max(max, a[j]);
        }
        for (int j = 0; j < visible; j++) sum += a[j] = Math.exp(a[j] - max);
        for (int j = 0; j < visible; j++) a[j] /= sum;
        return a;
    }

    /** (2) VL-Cache density of a row: 1 − |{j : a_j < τ·max_j a_j}| / |visible| (its sparsity is the second term). */
    static double density(double[] a, double threshold) {
        double max = 0;
        for (double v : a) max = Math.max(max, v);
        int sparse = 0;
        for (double v : a) if (v < threshold * max) sparse++;
        return 1.0 - sparse / (double) a.length;
    }

    /** (3a) MEDA's cross-modal restriction: a over the visible image positions, renormalised there (empty: no image visible). */
    static double[] imageOnly(double[] a, TokenLayout layout) {
        int n = 0;
        double mass = 0;
        for (int j = 0; j < a.length; j++)
            if (layout.isImage(j)) {
                n++;
                mass += a[j];
            }
        double[] out = new double[n];
        for (int j = 0, k = 0; j < a.length; j++) if (layout.isImage(j)) out[k++] = mass > 0 ? a[j] / mass : 1.0 / n;
        return out;
    }

    /** (3) MEDA entropy of a row, normalised by its maximum: −Σ a_j ln a_j / ln |a| (0 for fewer than two keys). */
    static double normalisedEntropy(double[] a) {
        if (a.length < 2) return 0;
        double h = 0;
        for (double v : a) if (v > 0) h -= v * Math.log(v);
        return h / Math.log(a.length);
    }
}
