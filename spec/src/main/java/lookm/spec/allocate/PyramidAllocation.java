package lookm.spec.allocate;

import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Allocator;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/**
 * PyramidKV (Cai et al., arXiv 2406.02069, §3.3), with kvpress's {@code PyramidKVPress} budget (taken from
 * KVCache-Factory), SPEC.md §3A.3. Every head of layer l keeps n_l.
 */
final class PyramidAllocation implements Allocator {
    private final AllocateSpec.Pyramid spec;

    PyramidAllocation(AllocateSpec.Pyramid spec) { this.spec = spec; }

    @Override public Allocation allocate(Scores scores, TokenLayout layout, Budget budget, LayerContext layer) {
        int tokens = scores.tokens();
        if (budget.resolve(tokens).coversCache()) return Allocation.uniform(scores.heads(), tokens, budget);
        return Allocation.perLayer(scores.heads(), tokens, layerBudget(tokens, budget.meanTotal(tokens), layer));
    }

    /** n_l for a layer of T tokens whose mean budget is m (real-valued, before truncation). */
    int layerBudget(int tokens, double mean, LayerContext layer) {
        int window = spec.window();
        // (1) m' = (W + m) − W in float64, as kvpress forms it through max_capacity_prompt = W + m (equal to m up to an ulp);
        //     min = m'/β, max = 2m' − min: the pyramid's top and bottom around the mean
        double shifted = (window + mean) - window;
        double min = shifted / spec.beta(), max = shifted * 2 - min;
        // (2) clamped branch: the bottom layer cannot keep more than the candidates T − W
        if (max >= tokens - window) {
            max = tokens - window;
            min = shifted * 2 - max;
        }
        // (3) pyramid when T ≥ max ≥ min ≥ W: n_l = round(max − l·(max − min)/(L − 1)), round half to even (Python round)
        double n;
        if (layer.layers() > 1 && tokens >= max && max >= min && min >= window) {
            double steps = (max - min) / (layer.layers() - 1);
            n = Math.rint(max - layer.layer() * steps);
        } else {
            // (4) otherwise (and for a lone layer, L = 1) round(m): kvpress falls back to SnapKV's count, rounded, not truncated
            n = Math.rint(mean);
        }
        return (int) Math.max(0, Math.min(tokens, n));
    }
}
