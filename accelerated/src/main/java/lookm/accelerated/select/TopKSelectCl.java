package lookm.accelerated.select;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * OpenCL twin of {@code lookm.reference.select.TopKSelect}; steps (1)-(4) match it (top_k_select.cl,
 * keep_order_top.cl). Given the same float32 scores, the kept sets are identical to the reference's.
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
        try (ClBuffer s = cl.upload(scores.values());
             ClBuffer keys = cl.allocate((long) heads * tokens * Long.BYTES);
             ClKernel rank = cl.program("select/top_k_select", "").kernel("rank_keys_top_k")) {
            rank.arg(s).arg(tokens).arg(sinks).arg(keys).launch(new long[] {tokens, heads}, null);
            // (3)-(4) top N' of Ω by (key desc, position asc) ∪ window, ascending
            try (ClBuffer flags = KeepOrderTopCl.keepTop(cl, keys, heads, tokens, candidates, heavy)) {
                return KeepOrderTopCl.toSelection(flags, heads, tokens);
            }
        }
    }
}
