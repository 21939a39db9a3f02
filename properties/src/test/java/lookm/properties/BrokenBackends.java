package lookm.properties;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Merger;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.policy.Window;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Selection;

/**
 * Deliberately broken backends: the reference with one stage replaced by a plausible bug. The suite must report
 * each of them (SuiteCanFailTest); a suite that passes them is too weak.
 */
final class BrokenBackends {
    private BrokenBackends() {}

    /** The reference with every stage delegated; subclasses replace one. */
    abstract static class ReferenceWithABug implements Backend {
        final ReferenceBackend reference = new ReferenceBackend();

        @Override public String device() { return "JVM (reference with a deliberate bug)"; }

        @Override public Scorer scorer(ScoreSpec spec) { return reference.scorer(spec); }

        @Override public Selector selector(SelectSpec spec) { return reference.selector(spec); }

        @Override public Merger merger(MergeSpec spec) { return reference.merger(spec); }

        // it runs the reference's stages, so it runs what the reference runs (plugin stages included)
        @Override public Support supports(ScoreSpec spec) { return reference.supports(spec); }

        @Override public Support supports(SelectSpec spec) { return reference.supports(spec); }

        @Override public Support supports(MergeSpec spec) { return reference.supports(spec); }
    }

    /** A backend that ignores the budget scope: the policy's selection runs over the whole layer (SPEC.md §3B). */
    static final class ScopeIgnored extends ReferenceWithABug {
        @Override public String name() { return "broken-scope-ignored"; }

        @Override public Selector scopedSelector(lookm.spec.policy.PolicySpec policy) { return selector(policy.select()); }
    }

    /** H2O top-k whose ties go to the HIGHER position (spec: the lower position wins). */
    static final class WrongTieRule extends ReferenceWithABug {
        @Override public String name() { return "broken-wrong-tie-rule"; }

        @Override public Selector selector(SelectSpec spec) {
            return (scores, layout, budget) -> {
                Budget.Resolved b = budget.resolve(scores.tokens());
                if (b.coversCache()) return reference.selector(spec).select(scores, layout, budget);
                int t = scores.tokens();
                int[][] kept = new int[scores.heads()][];
                for (int h = 0; h < kept.length; h++) {
                    final int head = h;
                    List<Integer> candidates = new ArrayList<>();
                    for (int p = 0; p < b.recentStart(); p++) candidates.add(p);
                    candidates.sort(Comparator.<Integer>comparingDouble(p -> -scores.at(head, p)).thenComparing(Comparator.reverseOrder()));
                    int[] k = new int[b.total()];
                    for (int i = 0; i < b.heavy(); i++) k[i] = candidates.get(i);
                    for (int i = 0; i < b.recent(); i++) k[b.heavy() + i] = b.recentStart() + i;
                    Arrays.sort(k);
                    kept[h] = k;
                }
                return new Selection(kept, t);
            };
        }
    }

    /** Keeps a recent window one token short (R − 1) and one more heavy hitter instead. */
    static final class OffByOneWindow extends ReferenceWithABug {
        @Override public String name() { return "broken-off-by-one-window"; }

        @Override public Selector selector(SelectSpec spec) {
            Selector right = reference.selector(spec);
            return (scores, layout, budget) -> {
                Budget.Resolved b = budget.resolve(scores.tokens());
                return b.coversCache() || b.recent() == 0 ? right.select(scores, layout, budget)
                        : right.select(scores, layout, Budget.counts(b.heavy() + 1, b.recent() - 1));
            };
        }
    }

    /** Runs a text-prior selection as plain H2O top-k: the text prior is ignored. */
    static final class TextPriorIgnored extends ReferenceWithABug {
        @Override public String name() { return "broken-text-prior-ignored"; }

        @Override public Selector selector(SelectSpec spec) {
            return spec instanceof SelectSpec.TextPrior ? reference.selector(new SelectSpec.TopK(0, new Window.BudgetRecent())) : reference.selector(spec);
        }
    }

    /** Reports the pivot merge's bookkeeping but returns the kept rows unmerged: the merge weights are dropped. */
    static final class MergeWeightsDropped extends ReferenceWithABug {
        @Override public String name() { return "broken-merge-weights-dropped"; }

        @Override public Merger merger(MergeSpec spec) {
            Merger right = reference.merger(spec);
            return (KvBlock block, Selection selection) -> {
                CompressedLayer merged = right.merge(block, selection);
                List<HeadCompression> heads = new ArrayList<>();
                for (int h = 0; h < merged.headCount(); h++) {
                    HeadCompression c = merged.head(h);
                    heads.add(new HeadCompression(c.kept(), c.evicted(), c.match(), c.matchSimilarity(), c.mergeTarget(), c.mergeWeight(),
                            gather(block.keys(), block, h, c.kept()), gather(block.values(), block, h, c.kept())));
                }
                return new CompressedLayer(heads, merged.tokens(), merged.headDim(), merged.layout());
            };
        }

        private static float[] gather(float[] data, KvBlock block, int head, int[] kept) {
            float[] out = new float[kept.length * block.headDim()];
            for (int i = 0; i < kept.length; i++) System.arraycopy(data, block.offset(head, kept[i]), out, i * block.headDim(), block.headDim());
            return out;
        }
    }
}
