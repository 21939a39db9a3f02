package lookm.properties.contract;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lookm.properties.gen.CacheCase;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.KeepOrder;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * The policy-specific properties as lists of {@link Verdict}s of spec's named predicates: plain functions of a
 * policy, a case and an output, usable from any test library. SPEC.md §5 defines each predicate.
 */
public final class PolicyChecks {
    private PolicyChecks() {}

    /** Property 2: partition, kept count = the policy's formula, at most T, recent window and sinks kept. */
    public static List<Verdict> budget(PolicySpec policy, CacheCase c, CompressedLayer out) { return budget(policy, c, null, out); }

    /**
     * Property 2 with the scores the selection ranked ({@code scores} may be null): the released text prior's count is
     * then exact for any score range (image scores at or above Λ are kept too, SPEC.md §3.3).
     */
    public static List<Verdict> budget(PolicySpec policy, CacheCase c, Scores scores, CompressedLayer out) {
        Selection s = out.selection();
        int[] guarded = Invariants.protectedCounts(policy.select(), c.tokens(), c.budget());
        return List.of(
                Invariants.keptAndEvictedPartition(out),
                Invariants.keptCountMatchesFormula(s, policy.select(), c.layout(), c.budget(), scores),
                Invariants.keptAtMost(s, c.tokens()),
                Invariants.recentWindowKept(s, guarded[0]),
                Invariants.sinksKept(s, guarded[1]));
    }

    /**
     * Property 2 (order): among the positions a selection ranks freely (outside the recent window and the sinks), no
     * evicted position ranks before a kept one under spec's {@link KeepOrder} (score descending, position ascending) on
     * {@code scores}; text priors rank text first (budgeted) or rank the released float32 scores a − Λ of image tokens.
     */
    public static Verdict keptRankBeforeEvicted(PolicySpec policy, CacheCase c, Scores scores, Selection s) {
        String name = "keptRankBeforeEvicted";
        int tokens = c.tokens();
        Budget.Resolved b = c.budget().resolve(tokens);
        SelectSpec select = policy.select();
        if (b.coversCache() || !select.ranksByScore()) return Require.verdict(name, null);
        int[] guarded = Invariants.protectedCounts(select, tokens, c.budget());
        TextPriorMode mode = Invariants.textPriorMode(select);
        int from = mode == null ? guarded[1] : 0, to = tokens - guarded[0];
        TokenLayout layout = c.layout();
        for (int h = 0; h < s.heads(); h++) {
            int worstKept = -1, bestEvicted = -1;
            float[] rank = new float[tokens];
            int[] tier = new int[tokens];                                       // lower tier ranks first
            for (int t = from; t < to; t++) {
                rank[t] = scores.at(h, t);
                if (mode == TextPriorMode.BUDGETED) tier[t] = layout.isText(t) ? 0 : 1;
                if (mode == TextPriorMode.RELEASED) {
                    if (layout.isText(t)) continue;                             // every text token is kept (property 3)
                    rank[t] = rank[t] - Policies.TEXT_PRIOR_PENALTY;             // float32, as the released code
                }
                boolean kept = s.isKept(h, t);
                if (kept && (worstKept < 0 || ranksBefore(tier, rank, worstKept, t))) worstKept = t;
                if (!kept && (bestEvicted < 0 || ranksBefore(tier, rank, t, bestEvicted))) bestEvicted = t;
            }
            if (worstKept >= 0 && bestEvicted >= 0 && ranksBefore(tier, rank, bestEvicted, worstKept))
                return Require.verdict(name, "head " + h + ": evicted position " + bestEvicted + " (score " + rank[bestEvicted] + ") ranks before kept position "
                        + worstKept + " (score " + rank[worstKept] + ") under KeepOrder" + (mode != null ? " with the " + mode + " text prior" : ""));
        }
        return Require.verdict(name, null);
    }

    private static boolean ranksBefore(int[] tier, float[] rank, int a, int b) {
        return tier[a] < tier[b] || (tier[a] == tier[b] && KeepOrder.before(rank[a], a, rank[b], b));
    }

    /** Property 3: released text prior keeps all text outside the window; any text prior ranks text before images. */
    public static List<Verdict> textRetention(PolicySpec policy, CacheCase c, CompressedLayer out) {
        TextPriorMode mode = Invariants.textPriorMode(policy.select());
        if (mode == null) return List.of();
        List<Verdict> v = new ArrayList<>();
        if (mode == TextPriorMode.RELEASED) v.add(Invariants.textRetained(out.selection(), c.layout(), c.budget()));
        v.add(Invariants.textBeforeImage(out.selection(), c.layout(), c.budget()));
        return v;
    }

    /**
     * Property 4, per head: each match is the most cosine-similar kept key with ties to the lowest position, merged
     * rows follow the SPEC formula within {@link Tolerance#MERGE}, and rows nothing merged into are bit-identical
     * (drop: every kept row).
     */
    public static List<Verdict> merge(PolicySpec policy, CacheCase c, CompressedLayer out) {
        List<Verdict> v = new ArrayList<>();
        KvBlock block = c.block();
        for (int h = 0; h < out.headCount(); h++) {
            HeadCompression head = out.head(h);
            if (policy.merge().mergesEvicted()) {
                v.add(Invariants.matchIsMostSimilar(block, h, head));
                v.add(tiesGoToLowestPosition(block, h, head));
            }
            v.add(Invariants.mergedRowsFollowFormula(block, h, head, policy.merge(), Tolerance.MERGE));
        }
        return v;
    }

    /**
     * Exact ties of the cosine argmax, decided without arithmetic: an evicted zero key (cosine 0 to every kept key)
     * matches the first kept token, and no kept key bit-identical to the matched one sits at a lower position.
     */
    public static Verdict tiesGoToLowestPosition(KvBlock block, int head, HeadCompression c) {
        String name = "tiesGoToLowestPosition";
        int d = block.headDim();
        float[] k = block.keys();
        for (int s = 0; s < c.evicted().length; s++) {
            int m = c.match()[s];
            if (m < 0) continue;
            int evicted = block.offset(head, c.evicted()[s]);
            if (isZero(k, evicted, d) && m != 0)
                return Require.verdict(name, "head " + head + ": evicted zero key at position " + c.evicted()[s]
                        + " must match the first kept position " + c.kept()[0] + " (all cosines are 0), matched " + c.kept()[m]);
            int matched = block.offset(head, c.kept()[m]);
            for (int r = 0; r < m; r++)
                if (Arrays.equals(k, block.offset(head, c.kept()[r]), block.offset(head, c.kept()[r]) + d, k, matched, matched + d))
                    return Require.verdict(name, "head " + head + ": evicted position " + c.evicted()[s] + " matched kept position " + c.kept()[m]
                            + ", but kept position " + c.kept()[r] + " has the identical key and a lower position");
        }
        return Require.verdict(name, null);
    }

    private static boolean isZero(float[] a, int from, int n) {
        for (int i = 0; i < n; i++) if (a[from + i] != 0f) return false;
        return true;
    }

    /** Property 5a: when the budget covers the cache (or the policy keeps all), nothing changes, bit for bit. */
    public static Verdict identityWhenCovering(PolicySpec policy, CacheCase c, CompressedLayer out) {
        boolean covers = policy.select().keepsAll() || c.budget().resolve(c.tokens()).coversCache();
        return covers ? Invariants.identity(c.block(), out) : Require.verdict("identity", null);
    }

    /** Property 6a: two results of the same input are bit-identical; {@code what} says which runs are compared. */
    public static Verdict identical(CompressedLayer first, CompressedLayer second, String what) {
        Verdict v = Invariants.identical(first, second);
        return v.holds() ? v : Require.verdict(v.predicate(), what + ": " + v.detail());
    }

    /** Property 6b: head i of {@code permuted} equals head order[i] of {@code original}, bit for bit. */
    public static Verdict permutesWithHeads(CompressedLayer original, CompressedLayer permuted, int[] order) {
        String name = "permutesWithHeads";
        for (int i = 0; i < order.length; i++) {
            HeadCompression a = original.head(order[i]), b = permuted.head(i);
            if (!Arrays.equals(a.kept(), b.kept()) || !Arrays.equals(a.mergeTarget(), b.mergeTarget())
                    || !Arrays.equals(a.keys(), b.keys()) || !Arrays.equals(a.values(), b.values()))
                return Require.verdict(name, "head " + i + " of the permuted input (old head " + order[i] + ") differs from old head "
                        + order[i] + "'s output; order " + Arrays.toString(order));
        }
        return Require.verdict(name, null);
    }
}
