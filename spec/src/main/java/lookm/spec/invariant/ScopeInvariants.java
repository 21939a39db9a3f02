package lookm.spec.invariant;

import lookm.spec.allocate.BudgetScopes;
import lookm.spec.policy.ScopeSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * The budget-scope invariants of spec/SPEC.md §5 (I19–I21) as named predicates: each group keeps exactly its share and
 * the shares follow the rule; the text prior holds inside each group; each group keeps its own best candidates.
 * {@code allocation} is what the allocation stage gave (C_h per head; uniform: the requested budget).
 */
public final class ScopeInvariants {
    private ScopeInvariants() {}

    /**
     * I19: per head, the protected positions (window, sinks) are kept; group g keeps exactly its share c_g of
     * N' = C_h − |protected| among its unprotected positions; Σ_g c_g = N'; c_g ≤ n_g (its candidate count); and with
     * size shares |c_g − N'·n_g/Σn| < 1 (largest remainder never moves a share by a whole token).
     */
    public static Verdict budgetPerScopeRespected(ScopeSpec scope, SelectSpec select, Selection s, Scores scores, TokenLayout layout,
                                                  Budget budget, Allocation allocation) {
        BudgetScopes.Groups groups = BudgetScopes.groups(layout, scope.unit());
        return perScopedHead("budgetPerScopeRespected", select, s, layout, budget, allocation, (h, hb, guarded) -> {
            int tokens = s.tokens();
            int[] kept = new int[groups.count()], size = new int[groups.count()];
            int protectedCount = 0;
            for (int j = 0; j < tokens; j++) {
                if (guarded[j]) {
                    protectedCount++;
                    if (!s.isKept(h, j)) return "head " + h + ": protected position " + j + " evicted";
                    continue;
                }
                size[groups.group(j)]++;
                if (s.isKept(h, j)) kept[groups.group(j)]++;
            }
            int heavy = hb.resolve(tokens).total() - protectedCount;
            int[] share = BudgetScopes.shares(scope, groups, guarded, headScores(scores, h), heavy)[0];
            long sum = 0, candidates = 0;
            for (int g = 0; g < groups.count(); g++) {
                sum += share[g];
                candidates += size[g];
            }
            if (sum != heavy) return "head " + h + ": shares sum to " + sum + ", N' = " + heavy;
            for (int g = 0; g < groups.count(); g++) {
                String where = "head " + h + ", group " + groups.names().get(g) + " (" + size[g] + " candidates)";
                if (kept[g] != share[g]) return where + " keeps " + kept[g] + ", its share is " + share[g];
                if (share[g] > size[g]) return where + ": share " + share[g] + " exceeds the group";
                double quota = (double) heavy * size[g] / candidates;
                if (scope.shares() == ScopeSpec.Shares.SIZE && Math.abs(share[g] - quota) >= 1)
                    return where + ": share " + share[g] + ", proportional quota " + quota;
            }
            return null;
        });
    }

    /**
     * I20, text retention per scope: under a text-first selection (the budgeted text prior), inside each group no visual
     * candidate is kept while a text-prior candidate of the same group is evicted.
     */
    public static Verdict textRetainedPerScope(ScopeSpec scope, SelectSpec select, Selection s, TokenLayout layout, Budget budget, Allocation allocation) {
        if (!select.textRanksFirst()) return Verdict.ok("textRetainedPerScope");
        BudgetScopes.Groups groups = BudgetScopes.groups(layout, scope.unit());
        return perScopedHead("textRetainedPerScope", select, s, layout, budget, allocation, (h, hb, guarded) -> {
            int[] keptVisual = new int[groups.count()], evictedText = new int[groups.count()];
            java.util.Arrays.fill(keptVisual, -1);
            java.util.Arrays.fill(evictedText, -1);
            for (int j = 0; j < s.tokens(); j++) {
                if (guarded[j]) continue;
                int g = groups.group(j);
                if (layout.isImage(j) && s.isKept(h, j)) keptVisual[g] = j;
                if (layout.isText(j) && !s.isKept(h, j)) evictedText[g] = j;
                if (keptVisual[g] >= 0 && evictedText[g] >= 0)
                    return "head " + h + ", group " + groups.names().get(g) + ": visual " + keptVisual[g] + " kept while text " + evictedText[g] + " is evicted";
            }
            return null;
        });
    }

    /**
     * I21: inside each group the kept candidates are its best: no evicted candidate ranks strictly above a kept one of
     * the same group (text-prior class before visual under a text-first selection, then a higher score, then, under
     * ties=position, the lower position; under torch-cpu equal scores may fall either way).
     */
    public static Verdict bestKeptPerScope(ScopeSpec scope, SelectSpec select, Selection s, Scores scores, TokenLayout layout, Budget budget,
                                           Allocation allocation) {
        BudgetScopes.Groups groups = BudgetScopes.groups(layout, scope.unit());
        return perScopedHead("bestKeptPerScope", select, s, layout, budget, allocation, (h, hb, guarded) -> {
            for (int a = 0; a < s.tokens(); a++) {
                if (guarded[a] || s.isKept(h, a)) continue;
                for (int k = 0; k < s.tokens(); k++)
                    if (!guarded[k] && s.isKept(h, k) && groups.group(k) == groups.group(a) && outranks(select, layout, scores, h, a, k))
                        return "head " + h + ", group " + groups.names().get(groups.group(a)) + ": evicted " + a + " (score " + scores.at(h, a)
                                + ") ranks above kept " + k + " (score " + scores.at(h, k) + ")";
            }
            return null;
        });
    }

    /** One head's check: the first violation in words, or null. */
    private interface HeadCheck {
        String violation(int head, Budget headBudget, boolean[] protectedPosition);
    }

    /** Runs {@code check} on every head whose budget does not cover the cache, with its budget and protected positions. */
    private static Verdict perScopedHead(String name, SelectSpec select, Selection s, TokenLayout layout, Budget budget, Allocation allocation,
                                         HeadCheck check) {
        for (int h = 0; h < s.heads(); h++) {
            Budget hb = allocation == null || allocation.uniform() ? budget : Allocation.headBudget(budget, s.tokens(), allocation.count(h));
            if (hb.resolve(s.tokens()).coversCache()) continue;
            String violation = check.violation(h, hb, BudgetScopes.protectedPositions(select, layout, hb, s.tokens()));
            if (violation != null) return Verdict.fail(name, violation);
        }
        return Verdict.ok(name);
    }

    /** Whether position a ranks strictly before k inside a group: class (text-first selections), score, then position under ties=position. */
    private static boolean outranks(SelectSpec select, TokenLayout layout, Scores scores, int h, int a, int k) {
        if (select.textRanksFirst() && layout.isText(a) != layout.isText(k)) return layout.isText(a);
        if (scores.at(h, a) != scores.at(h, k)) return scores.at(h, a) > scores.at(h, k);
        return select.ties() == lookm.spec.policy.TieOrder.POSITION && a < k;
    }

    /**
     * Whether equal (class, score) straddle the cut of some group of head h: its worst kept and its best evicted
     * candidate rank equal. Only then may two tie orders keep different sets under a scope.
     */
    public static boolean tieAtAGroupCut(ScopeSpec scope, SelectSpec select, Selection s, Scores scores, TokenLayout layout, Budget budget, int h) {
        int tokens = s.tokens();
        if (budget.resolve(tokens).coversCache()) return false;
        BudgetScopes.Groups groups = BudgetScopes.groups(layout, scope.unit());
        boolean[] guarded = BudgetScopes.protectedPositions(select, layout, budget, tokens);
        SelectSpec byScore = select.withTies(lookm.spec.policy.TieOrder.TORCH_CPU);        // class and score only
        for (int a = 0; a < tokens; a++) {
            if (guarded[a] || s.isKept(h, a)) continue;
            for (int k = 0; k < tokens; k++)
                if (!guarded[k] && s.isKept(h, k) && groups.group(k) == groups.group(a)
                        && !outranks(byScore, layout, scores, h, a, k) && !outranks(byScore, layout, scores, h, k, a)) return true;
        }
        return false;
    }

    private static Scores headScores(Scores scores, int h) {
        int t = scores.tokens();
        return new Scores(java.util.Arrays.copyOfRange(scores.values(), h * t, (h + 1) * t), 1, t, scores.precision());
    }
}
