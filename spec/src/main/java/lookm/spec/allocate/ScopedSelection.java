package lookm.spec.allocate;

import java.util.Arrays;
import lookm.spec.policy.ScopeSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * A selection under a non-global budget scope (SPEC.md §3B), a wrapper over the backend's own selectors: (0) the
 * positions the selection always keeps (window, sinks) are kept; (1) the rest is partitioned into the scope's groups;
 * (2) each group gets its share of the heavy-hitter budget; (3) the backend's inner selection (the same ranking without
 * sinks or window) runs inside each group with its share. The kept set is the union, ascending.
 */
public final class ScopedSelection implements Selector {
    private final ScopeSpec scope;
    private final SelectSpec select;
    private final Selector outer, inner;

    /**
     * @param select the policy's selection (its window and sinks are kept at the layer level)
     * @param outer  the backend's selector of {@code select} (runs when the budget covers the cache: the identity rule)
     * @param inner  the backend's selector of {@link BudgetScopes#innerSelection}
     */
    public ScopedSelection(ScopeSpec scope, SelectSpec select, Selector outer, Selector inner) {
        if (scope == null || scope.global()) throw new IllegalArgumentException("a scoped selection needs a non-global scope, was " + scope);
        BudgetScopes.innerSelection(scope, select);                                              // refuses what a scope cannot serve
        this.scope = scope;
        this.select = select;
        this.outer = outer;
        this.inner = inner;
    }

    @Override public Selection select(Scores scores, TokenLayout layout, Budget budget) {
        int heads = scores.heads(), tokens = scores.tokens();
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return outer.select(scores, layout, budget);                       // T ≤ N + R: identity
        // (0) protected positions, kept in every head
        boolean[] kept0 = BudgetScopes.protectedPositions(select, layout, budget, tokens);
        int protectedCount = 0;
        for (boolean p : kept0) if (p) protectedCount++;
        // (1) groups, (2) shares of N' = C − |protected| per head
        BudgetScopes.Groups groups = BudgetScopes.groups(layout, scope.unit());
        int[][] shares = BudgetScopes.shares(scope, groups, kept0, scores, b.total() - protectedCount);
        boolean[][] kept = new boolean[heads][];
        for (int h = 0; h < heads; h++) kept[h] = kept0.clone();
        // (3) the inner selection inside each group, with the group's share
        for (int g = 0; g < groups.count(); g++) {
            int[] members = candidates(groups, g, kept0);
            if (members.length == 0) continue;
            if (sameShare(shares, g)) keepInGroup(scores, layout, members, shares[0][g], 0, heads, kept);
            else for (int h = 0; h < heads; h++) keepInGroup(scores, layout, members, shares[h][g], h, h + 1, kept);
        }
        int[][] out = new int[heads][];
        for (int h = 0; h < heads; h++) {
            int[] positions = new int[tokens];
            int n = 0;
            for (int j = 0; j < tokens; j++) if (kept[h][j]) positions[n++] = j;
            out[h] = Arrays.copyOf(positions, n);
        }
        return new Selection(out, tokens);
    }

    /** Group g's unprotected positions, ascending. */
    private static int[] candidates(BudgetScopes.Groups groups, int g, boolean[] protectedPosition) {
        return java.util.stream.IntStream.range(0, protectedPosition.length)
                .filter(j -> groups.group(j) == g && !protectedPosition[j]).toArray();
    }

    private static boolean sameShare(int[][] shares, int g) {
        for (int[] s : shares) if (s[g] != shares[0][g]) return false;
        return true;
    }

    /** Heads [from, to) keep {@code share} of {@code members}, chosen by the inner selection on the gathered scores. */
    private void keepInGroup(Scores scores, TokenLayout layout, int[] members, int share, int from, int to, boolean[][] kept) {
        if (share == 0) return;
        int n = members.length, tokens = scores.tokens();
        if (share >= n) {
            for (int h = from; h < to; h++) for (int j : members) kept[h][j] = true;
            return;
        }
        float[] gathered = new float[(to - from) * n];
        boolean[] visual = new boolean[n];
        for (int k = 0; k < n; k++) visual[k] = layout.isImage(members[k]);
        for (int h = from; h < to; h++) for (int k = 0; k < n; k++) gathered[(h - from) * n + k] = scores.values()[h * tokens + members[k]];
        Selection s = inner.select(new Scores(gathered, to - from, n, scores.precision()), TokenLayout.fromImageMask(visual), Budget.counts(share, 0));
        for (int h = from; h < to; h++) for (int k : s.kept(h - from)) kept[h][members[k]] = true;
    }
}
