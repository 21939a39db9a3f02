package lookm.properties.contract;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lookm.properties.gen.CacheCase;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.ScopeInvariants;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.KeepOrder;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.TieOrder;
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
     * evicted position ranks before a kept one on {@code scores}: under spec's {@link KeepOrder} (score descending,
     * position ascending) for ties=position, by score alone for ties=torch-cpu (any valid top-N set); text priors rank
     * text first (budgeted) or rank the released float32 scores a − Λ of image tokens.
     */
    public static Verdict keptRankBeforeEvicted(PolicySpec policy, CacheCase c, Scores scores, Selection s) {
        String name = "keptRankBeforeEvicted";
        if (!policy.scope().global()) {                                         // a scope ranks inside each group (SPEC.md §3B, I21)
            Verdict v = ScopeInvariants.bestKeptPerScope(policy.scope(), policy.select(), s, scores, c.layout(), c.budget(), null);
            return Require.verdict(name, v.holds() ? null : v.detail());
        }
        Ranking r = Ranking.of(policy, c, scores);
        if (r == null) return Require.verdict(name, null);
        boolean byPosition = policy.select().ties() == TieOrder.POSITION;
        for (int h = 0; h < s.heads(); h++) {
            int[] cut = r.cut(h, s, byPosition);
            if (cut != null && r.before(h, cut[1], cut[0], byPosition))
                return Require.verdict(name, "head " + h + ": evicted position " + cut[1] + " (score " + r.rank(h, cut[1]) + ") ranks before kept position "
                        + cut[0] + " (score " + r.rank(h, cut[0]) + ") under " + (byPosition ? "KeepOrder" : "score order") + r.modeNote());
        }
        return Require.verdict(name, null);
    }

    /**
     * Whether equal scores straddle head {@code h}'s cut in {@code s}: the worst kept and the best evicted freely ranked
     * positions have the same (tier, score). Only then may two tie orders keep different sets.
     */
    public static boolean tieStraddlesCut(PolicySpec policy, CacheCase c, Scores scores, Selection s, int h) {
        if (!policy.scope().global()) return ScopeInvariants.tieAtAGroupCut(policy.scope(), policy.select(), s, scores, c.layout(), c.budget(), h);
        Ranking r = Ranking.of(policy, c, scores);
        if (r == null) return false;
        int[] cut = r.cut(h, s, false);
        return cut != null && !r.before(h, cut[0], cut[1], false) && !r.before(h, cut[1], cut[0], false);
    }

    /** The order a selection ranks its free positions [from, to) in; text of the released text prior is always kept. */
    private record Ranking(Scores scores, TokenLayout layout, TextPriorMode mode, int from, int to) {
        static Ranking of(PolicySpec policy, CacheCase c, Scores scores) {
            int tokens = c.tokens();
            SelectSpec select = policy.select();
            if (c.budget().resolve(tokens).coversCache() || !select.ranksByScore()) return null;
            int[] guarded = Invariants.protectedCounts(select, tokens, c.budget());
            TextPriorMode mode = Invariants.textPriorMode(select);
            return new Ranking(scores, c.layout(), mode, mode == null ? guarded[1] : 0, tokens - guarded[0]);
        }

        boolean ranked(int t) { return !(mode == TextPriorMode.RELEASED && layout.isText(t)); }   // every such text token is kept (property 3)

        int tier(int t) { return mode == TextPriorMode.BUDGETED && !layout.isText(t) ? 1 : 0; }  // lower tier ranks first

        float rank(int h, int t) {
            float a = scores.at(h, t);
            return mode == TextPriorMode.RELEASED ? scores.precision().penalised(a, Policies.TEXT_PRIOR_PENALTY) : a;   // as the released code
        }

        boolean before(int h, int a, int b, boolean byPosition) {
            if (tier(a) != tier(b)) return tier(a) < tier(b);
            float ra = rank(h, a), rb = rank(h, b);
            return byPosition ? KeepOrder.before(ra, a, rb, b) : ra > rb;
        }

        /** {worst kept, best evicted} among the ranked free positions, or null when one side is empty. */
        int[] cut(int h, Selection s, boolean byPosition) {
            int worstKept = -1, bestEvicted = -1;
            for (int t = from; t < to; t++) {
                if (!ranked(t)) continue;
                boolean kept = s.isKept(h, t);
                if (kept && (worstKept < 0 || before(h, worstKept, t, byPosition))) worstKept = t;
                if (!kept && (bestEvicted < 0 || before(h, t, bestEvicted, byPosition))) bestEvicted = t;
            }
            return worstKept < 0 || bestEvicted < 0 ? null : new int[] {worstKept, bestEvicted};
        }

        String modeNote() { return mode != null ? " with the " + mode + " text prior" : ""; }
    }

    /** Property 3: released text prior keeps all text outside the window; any text prior ranks text before images. */
    public static List<Verdict> textRetention(PolicySpec policy, CacheCase c, CompressedLayer out) {
        TextPriorMode mode = Invariants.textPriorMode(policy.select());
        if (mode == null) return List.of();
        List<Verdict> v = new ArrayList<>();
        if (mode == TextPriorMode.RELEASED) v.add(Invariants.textRetained(out.selection(), c.layout(), c.budget()));
        if (policy.scope().global()) v.add(Invariants.textBeforeImage(out.selection(), c.layout(), c.budget()));
        else v.add(ScopeInvariants.textRetainedPerScope(policy.scope(), policy.select(), out.selection(), c.layout(), c.budget(), null));   // I20
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
