package lookm.spec.allocate;

import java.util.Arrays;
import java.util.PriorityQueue;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Allocator;
import lookm.spec.policy.KeepOrder;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;

/**
 * AdaKV (Feng et al., arXiv 2407.11550, Alg. 1; kvpress {@code AdaKVPress}), SPEC.md §3A.2: the layer keeps H·C
 * (head, position) pairs chosen by one ranking over all heads, after each head has kept its safeguard
 * ⌊α·C⌋ best positions and the positions its selection always keeps. The result is a count per head.
 */
final class HeadAdaptiveAllocation implements Allocator {
    private final AllocateSpec.HeadAdaptive spec;
    private final PriorityOrder order;

    HeadAdaptiveAllocation(AllocateSpec.HeadAdaptive spec, PriorityOrder order) {
        this.spec = spec;
        this.order = order;
    }

    @Override public Allocation allocate(Scores scores, TokenLayout layout, Budget budget, LayerContext layer) {
        int heads = scores.heads(), tokens = scores.tokens();
        Budget.Resolved b = budget.resolve(tokens);
        if (b.coversCache()) return Allocation.uniform(heads, tokens, budget);             // T ≤ N + R: nothing to share
        int total = b.total();
        int[] tier = order.tiers(layout, budget, tokens);
        // (1) per head, positions in the selection's priority order: protected, then (tier, score desc, position asc)
        int[][] ranked = new int[heads][];
        for (int h = 0; h < heads; h++) ranked[h] = ranked(scores, h, tier);
        // (2) base_h = max(⌊α·C⌋, protected count): kept unconditionally (kvpress: n_safe = int(α·n) and the window pad)
        int safeguard = (int) Math.floor(spec.alpha() * total);
        int protectedCount = 0;
        for (int t : tier) if (t == PriorityOrder.PROTECTED) protectedCount++;
        int base = Math.min(Math.max(safeguard, protectedCount), total);
        int[] counts = new int[heads];
        Arrays.fill(counts, base);
        // (3) the remaining H·(C − base) pairs: one top over all heads by (tier asc, score desc, head asc, position asc)
        long remaining = (long) heads * total - (long) heads * base;
        PriorityQueue<Integer> next = new PriorityQueue<>((a, c) -> before(scores, tier, ranked, counts, a, c) ? -1 : 1);
        for (int h = 0; h < heads; h++) if (counts[h] < tokens) next.add(h);
        for (long pick = 0; pick < remaining; pick++) {
            int h = next.poll();
            counts[h]++;
            if (counts[h] < tokens) next.add(h);
        }
        return new Allocation(counts, tokens, false);
    }

    /** Head h's positions, best first: tier ascending, then {@link KeepOrder}. */
    private static int[] ranked(Scores scores, int h, int[] tier) {
        int tokens = scores.tokens();
        float[] row = Arrays.copyOfRange(scores.values(), h * tokens, (h + 1) * tokens);
        Integer[] positions = new Integer[tokens];
        for (int j = 0; j < tokens; j++) positions[j] = j;
        Arrays.sort(positions, (a, c) -> tier[a] != tier[c] ? Integer.compare(tier[a], tier[c])
                : KeepOrder.before(row[a], a, row[c], c) ? -1 : KeepOrder.before(row[c], c, row[a], a) ? 1 : 0);
        return Arrays.stream(positions).mapToInt(Integer::intValue).toArray();
    }

    /** Whether head a's next candidate ranks before head c's: tier ascending, score descending, lower head first. */
    private static boolean before(Scores scores, int[] tier, int[][] ranked, int[] counts, int a, int c) {
        int pa = ranked[a][counts[a]], pc = ranked[c][counts[c]];
        if (tier[pa] != tier[pc]) return tier[pa] < tier[pc];
        float sa = scores.at(a, pa), sc = scores.at(c, pc);
        if (sa != sc) return sa > sc;
        return a < c;
    }
}
