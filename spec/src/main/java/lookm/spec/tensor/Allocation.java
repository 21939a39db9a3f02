package lookm.spec.tensor;

import java.util.Arrays;

/**
 * The allocation stage's answer for one layer: how many positions each KV head keeps (SPEC.md §3A).
 *
 * @param perHead C_h per KV head, each in [0, T]; copied
 * @param tokens  T
 * @param uniform true when the selector runs with the requested budget unchanged (every head keeps what the
 *                selection rule alone gives, as before allocation existed); perHead is then that rule's C
 */
public record Allocation(int[] perHead, int tokens, boolean uniform) {
    public Allocation {
        if (perHead == null || perHead.length == 0) throw new IllegalArgumentException("Allocation needs at least one head");
        if (tokens < 1) throw new IllegalArgumentException("Allocation needs T >= 1, was " + tokens);
        perHead = perHead.clone();
        for (int h = 0; h < perHead.length; h++)
            if (perHead[h] < 0 || perHead[h] > tokens)
                throw new IllegalArgumentException("Allocation head " + h + ": count must be in [0, " + tokens + "], was " + perHead[h]);
    }

    /** The requested budget, unchanged, for every head. */
    public static Allocation uniform(int heads, int tokens, Budget budget) {
        Budget.Resolved b = budget.resolve(tokens);
        int[] counts = new int[heads];
        Arrays.fill(counts, b.coversCache() ? tokens : b.total());
        return new Allocation(counts, tokens, true);
    }

    /** The same count {@code count} for each of {@code heads} heads. */
    public static Allocation perLayer(int heads, int tokens, int count) {
        int[] counts = new int[heads];
        Arrays.fill(counts, count);
        return new Allocation(counts, tokens, false);
    }

    @Override public int[] perHead() { return perHead.clone(); }

    public int heads() { return perHead.length; }

    public int count(int head) { return perHead[head]; }

    /** Σ_h C_h. */
    public long total() {
        long n = 0;
        for (int c : perHead) n += c;
        return n;
    }

    /** Whether every head has the same count. */
    public boolean equalCounts() {
        for (int c : perHead) if (c != perHead[0]) return false;
        return true;
    }

    /**
     * The budget a selector honours for a head allotted {@code count} positions: the requested recent window R where it
     * fits, the rest heavy hitters: R' = min(R, C_h), N' = C_h − R'.
     */
    public static Budget headBudget(Budget requested, int tokens, int count) {
        int recent = Math.min(requested.resolve(tokens).recent(), count);
        return Budget.counts(count - recent, recent);
    }

    @Override public String toString() { return "Allocation(T=" + tokens + (uniform ? ", uniform" : "") + ", per head=" + Arrays.toString(perHead) + ")"; }
}
