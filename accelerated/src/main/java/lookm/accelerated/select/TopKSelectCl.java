package lookm.accelerated.select;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.policy.TieOrder;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * OpenCL twin of {@code lookm.reference.select.TopKSelect}; steps (1)-(4) match it (top_k_select.cl,
 * keep_order_top.cl). Given the same float32 scores, the kept sets are identical to the reference's. Under
 * {@link TieOrder#TORCH_CPU} steps (3)-(4) run on the host: the order torch 1.13 leaves ties in is that of
 * libstdc++'s sequential introsort/heap routines, so the one spec function ({@link TieOrder#sinksThenTop}) makes
 * the cut rather than a parallel re-derivation of it.
 */
public final class TopKSelectCl implements Selector {
    private final ClContext cl;
    private final SelectSpec.TopK spec;

    public TopKSelectCl(ClContext cl, SelectSpec.TopK spec) {
        this.cl = cl;
        this.spec = spec;
    }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int tokens = scores.tokens(), heads = scores.heads();
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Selection.all(heads, tokens);               // T ≤ N + R: nothing to compress
        // (1) W = window length, candidates Ω = [0, T − W), heavy count N' = C − W
        int window = spec.window().length(b.total(), b.recent());
        int candidates = tokens - window, heavy = b.total() - window;
        // (2) sinks: the first min(S, N', |Ω|) positions rank first (rank key above every score)
        int sinks = Math.min(spec.sinkTokens(), Math.min(heavy, candidates));
        if (spec.ties() == TieOrder.TORCH_CPU) return torchCpuOnHost(scores, sinks, candidates, heavy);
        try (ClBuffer s = cl.upload(scores.values());
             ClBuffer keys = cl.allocate((long) heads * tokens * Long.BYTES);
             ClKernel rank = cl.program("top_k_select", "").kernel("rank_keys_top_k")) {
            rank.arg(s).arg(tokens).arg(sinks).arg(keys).launch(new long[] {tokens, heads}, null);
            // (3)-(4) top N' of Ω by (key desc, position asc) ∪ window, ascending
            try (ClBuffer flags = KeepOrderTopCl.keepTop(cl, keys, heads, tokens, candidates, heavy)) {
                return KeepOrderTopCl.toSelection(flags, heads, tokens);
            }
        }
    }

    /** (3)-(4) under TORCH_CPU, per head on the host: sinks and the top of the rest, then the window. */
    private static Selection torchCpuOnHost(Scores scores, int sinks, int candidates, int heavy) {
        int tokens = scores.tokens();
        int[][] kept = new int[scores.heads()][];
        for (int h = 0; h < kept.length; h++) {
            float[] row = java.util.Arrays.copyOfRange(scores.values(), h * tokens, (h + 1) * tokens);
            int[] top = TieOrder.TORCH_CPU.sinksThenTop(row, sinks, candidates, heavy);
            kept[h] = java.util.Arrays.copyOf(top, heavy + tokens - candidates);
            for (int t = candidates; t < tokens; t++) kept[h][heavy + t - candidates] = t;   // top < candidates <= window
        }
        return new Selection(kept, tokens);
    }
}
