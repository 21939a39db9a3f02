package lookm.spec.allocate;

import java.util.Arrays;

/** Integer shares of a total in proportion to weights (Hamilton's largest-remainder method), with a cap per share. */
public final class Apportion {
    private Apportion() {}

    /**
     * Shares c_l ≤ cap with Σ c_l = min(total, cap·n), in proportion to w_l: (1) shares whose exact part total·w_l/Σw
     * reaches the cap are fixed at the cap and the rest of the total is shared again over the others (water-filling);
     * (2) then c_l = ⌊exact⌋ plus one for the largest fractional parts, ties to the lower index. Where every remaining
     * weight is 0, the remaining shares are equal.
     *
     * @param weights w_l >= 0. Not modified.
     */
    public static int[] largestRemainder(double[] weights, long total, int cap) {
        int[] caps = new int[weights.length];
        Arrays.fill(caps, cap);
        return largestRemainder(weights, total, caps);
    }

    /**
     * As {@link #largestRemainder(double[], long, int)} with a cap per share: c_l ≤ caps[l], Σ c_l = min(total, Σ caps)
     * (a budget scope with fewer tokens than its share keeps them all, the rest goes to the others; SPEC.md §3B).
     *
     * @param weights w_l >= 0. Not modified.
     * @param caps    cap_l >= 0, one per weight. Not modified.
     */
    public static int[] largestRemainder(double[] weights, long total, int[] caps) {
        int n = weights.length;
        if (caps.length != n) throw new IllegalArgumentException("caps has " + caps.length + " entries, weights " + n);
        int[] share = new int[n];
        boolean[] capped = new boolean[n];
        long capTotal = 0;
        for (int c : caps) capTotal += c;
        long left = Math.min(total, capTotal);
        // (1) water-filling: fix the shares that reach the cap, share the rest over the others
        double[] exact = new double[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            double sum = 0;
            int open = 0;
            for (int l = 0; l < n; l++)
                if (!capped[l]) {
                    sum += weights[l];
                    open++;
                }
            for (int l = 0; l < n; l++) {
                if (capped[l]) continue;
                exact[l] = sum > 0 ? left * (weights[l] / sum) : left / (double) open;
                if (exact[l] >= caps[l]) {
                    capped[l] = true;
                    share[l] = caps[l];
                    left -= caps[l];
                    changed = true;
                }
            }
        }
        // (2) floors of the open shares, then one more each by fractional part descending (lower index first)
        Integer[] order = new Integer[n];
        for (int l = 0; l < n; l++) {
            order[l] = l;
            if (!capped[l]) {
                share[l] = (int) Math.floor(exact[l]);
                left -= share[l];
            }
        }
        Arrays.sort(order, (a, c) -> Double.compare(fraction(exact, capped, c), fraction(exact, capped, a)) != 0
                ? Double.compare(fraction(exact, capped, c), fraction(exact, capped, a)) : Integer.compare(a, c));
        for (int l : order)
            if (left > 0 && !capped[l] && share[l] < caps[l]) {
                share[l]++;
                left--;
            }
        return share;
    }

    private static double fraction(double[] exact, boolean[] capped, int l) {
        return capped[l] ? -1 : exact[l] - Math.floor(exact[l]);
    }
}
