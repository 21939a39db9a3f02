package lookm.spec.allocate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.spec.policy.ScopeSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.Window;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenDetails;
import lookm.spec.tensor.TokenLayout;

/**
 * The groups of a budget scope and their shares of a head's budget (SPEC.md §3B). Host-side, shared by every backend:
 * the groups and shares are a pure function of the layout, the float32 scores and the budget, so the reference and
 * the OpenCL backend divide a budget identically and differ only in the selection each runs inside a group.
 */
public final class BudgetScopes {
    /** Key of the group holding the text-prior class outside every visual item. */
    private static final long TEXT_KEY = -1;
    /** Keys of the modality unit's groups: text-prior class, image, video. */
    private static final long MODALITY_TEXT = 0, MODALITY_IMAGE = 1, MODALITY_VIDEO = 2;
    /** Room per item in a group key for its sub-unit (tile or frame, + 1 for "the item as a whole"). */
    private static final long SUB_KEYS = 1L << 32;

    private BudgetScopes() {}

    /**
     * The partition of [0, T) by a scope unit.
     *
     * @param groupOf group index per position, groups numbered in order of first appearance
     * @param names   one label per group, e.g. {@code text}, {@code image#0}, {@code image#0/tile1}, {@code video#1/frame2}
     */
    public record Groups(int[] groupOf, List<String> names) {
        public int count() { return names.size(); }

        public int group(int position) { return groupOf[position]; }
    }

    /**
     * The selection a scope runs inside each group: the same ranking without sinks or window (those are kept at the
     * layer level, before the groups share the rest).
     *
     * @throws IllegalArgumentException for selections that do not rank by score and keep exactly their budget
     */
    public static SelectSpec innerSelection(ScopeSpec scope, SelectSpec select) {
        if (select instanceof SelectSpec.TopK t) return new SelectSpec.TopK(0, new Window.Fixed(0), t.ties());
        if (select instanceof SelectSpec.TextPrior tp && tp.mode() == TextPriorMode.BUDGETED) return tp;
        throw new IllegalArgumentException("scope=" + scope + " divides a budget among groups and ranks inside each, so it needs a selection"
                + " that ranks by score and keeps exactly its budget (TopK or the budgeted text prior), not " + select.expression());
    }

    /** (1) The groups of {@code unit} over {@code layout}; GLOBAL is one group. */
    public static Groups groups(TokenLayout layout, ScopeSpec.Unit unit) {
        int tokens = layout.size();
        long[] keys = new long[tokens];
        Map<Long, Integer> itemOfImage = new LinkedHashMap<>(), itemOfVideo = new LinkedHashMap<>();
        TokenDetails d = layout.details();
        for (int j = 0; j < tokens; j++) {
            if (!layout.isImage(j)) continue;
            if (d == null || d.modality(j) == Modality.IMAGE) itemOfImage.putIfAbsent((long) (d == null ? layout.imageIndex(j) : d.image(j)), layout.imageIndex(j));
            else itemOfVideo.putIfAbsent((long) d.video(j), layout.imageIndex(j));
        }
        for (int j = 0; j < tokens; j++) keys[j] = key(layout, d, j, unit, itemOfImage, itemOfVideo);
        Map<Long, Integer> index = new LinkedHashMap<>();
        int[] groupOf = new int[tokens];
        List<String> names = new ArrayList<>();
        for (int j = 0; j < tokens; j++) {
            Integer g = index.get(keys[j]);
            if (g == null) {
                g = names.size();
                index.put(keys[j], g);
                names.add(name(layout, d, j, unit, keys[j]));
            }
            groupOf[j] = g;
        }
        return new Groups(groupOf, List.copyOf(names));
    }

    private static long key(TokenLayout layout, TokenDetails d, int j, ScopeSpec.Unit unit, Map<Long, Integer> itemOfImage,
                            Map<Long, Integer> itemOfVideo) {
        Modality m = layout.modality(j);
        if (unit == ScopeSpec.Unit.GLOBAL) return 0;
        if (unit == ScopeSpec.Unit.MODALITY) return m == Modality.IMAGE ? MODALITY_IMAGE : m == Modality.VIDEO ? MODALITY_VIDEO : MODALITY_TEXT;
        // the visual item a token belongs to: its own for patches; the one it delimits for special tokens (v2 details)
        Integer item = layout.isImage(j) ? Integer.valueOf(layout.imageIndex(j))
                : d == null ? null : d.image(j) >= 0 ? itemOfImage.get((long) d.image(j)) : d.video(j) >= 0 ? itemOfVideo.get((long) d.video(j)) : null;
        if (item == null) return TEXT_KEY;
        int sub = TokenDetails.NONE;
        if (unit == ScopeSpec.Unit.TILE && d != null && d.image(j) >= 0) sub = d.tile(j);
        if (unit == ScopeSpec.Unit.FRAME && d != null && m == Modality.VIDEO) sub = d.frame(j);
        return item * SUB_KEYS + sub + 1;
    }

    private static String name(TokenLayout layout, TokenDetails d, int j, ScopeSpec.Unit unit, long key) {
        if (unit == ScopeSpec.Unit.GLOBAL) return "all";
        if (unit == ScopeSpec.Unit.MODALITY) return key == MODALITY_IMAGE ? "image" : key == MODALITY_VIDEO ? "video" : "text";
        if (key == TEXT_KEY) return "text";
        long item = key / SUB_KEYS, sub = key % SUB_KEYS - 1;
        boolean video = d != null && (d.video(j) >= 0);
        String base = (video ? "video#" : "image#") + item;
        if (sub < 0) return base;
        return base + (unit == ScopeSpec.Unit.TILE ? "/tile" : "/frame") + sub;
    }

    /**
     * (2)-(3) Per head, each group's share of the heavy-hitter budget N' = C_h − |protected| (SPEC.md §3B): the
     * largest-remainder apportionment of N' in proportion to the group's weight (its candidate count, or its score
     * mass Σ s_h[j] over its candidates), each share capped at the group's candidate count, ties to the earlier group.
     *
     * @param protectedPosition per position, whether the selection keeps it whatever the scores (window, sinks)
     * @return (H, groups) shares; Σ_g = N'
     */
    public static int[][] shares(ScopeSpec scope, Groups groups, boolean[] protectedPosition, Scores scores, int heavy) {
        int n = groups.count(), tokens = scores.tokens();
        int[] caps = new int[n];
        for (int j = 0; j < tokens; j++) if (!protectedPosition[j]) caps[groups.group(j)]++;
        int[][] out = new int[scores.heads()][];
        for (int h = 0; h < out.length; h++) {
            double[] weight = new double[n];
            for (int j = 0; j < tokens; j++) {
                if (protectedPosition[j]) continue;
                float s = scores.at(h, j);
                if (scope.shares() == ScopeSpec.Shares.ATTENTION && s < 0)
                    throw new IllegalArgumentException("scope=" + scope + " shares the budget by score mass, which needs scores >= 0; head " + h
                            + ", token " + j + " (group " + groups.names().get(groups.group(j)) + ") scores " + s);
                weight[groups.group(j)] += scope.shares() == ScopeSpec.Shares.SIZE ? 1 : s;
            }
            out[h] = Apportion.largestRemainder(weight, heavy, caps);
        }
        return out;
    }

    /** The positions a budget-exact selection keeps whatever the scores at {@code budget} (SPEC.md §3B step 0). */
    public static boolean[] protectedPositions(SelectSpec select, TokenLayout layout, Budget budget, int tokens) {
        int[] tier = PriorityOrder.of(select).tiers(layout, budget, tokens);
        boolean[] out = new boolean[tokens];
        for (int j = 0; j < tokens; j++) out[j] = tier[j] == PriorityOrder.PROTECTED;
        return out;
    }
}
