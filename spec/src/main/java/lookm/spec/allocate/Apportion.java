package lookm.spec.allocate;

import java.util.Arrays;

/** Integer shares of a total in proportion to weights (Hamilton's largest-remainder method), with a cap per share. */
public final class Apportion {
    private Apportion() {}

    /**
     * Shares c_l with Σ c_l = min(total, cap·n), c_l ≤ cap, c_l = ⌊total·w_l/Σw⌋ (capped) plus one for the largest
     * fractional parts (ties to the lower index), repeated over the uncapped shares until the total is reached. With
     * Σw = 0 every weight counts as 1.
     *
     * @param weights w_l >= 0. Not modified.
     */
    public static int[] largestRemainder(double[] weights, long total, int cap) {
        int n = weights.length;
        double sum = 0;
        for (double w : weights) sum += w;
        double[] w = sum > 0 ? weights : filled(n);
        double norm = sum > 0 ? sum : n;
        // (1) floors of the exact shares, capped
        int[] share = new int[n];
        double[] fraction = new double[n];
        long given = 0;
        for (int l = 0; l < n; l++) {
            double exact = total * (w[l] / norm);
            share[l] = (int) Math.min(cap, Math.floor(exact));
            fraction[l] = exact - Math.floor(exact);
            given += share[l];
        }
        // (2) the rest, one at a time, by fractional part descending (lower index first), skipping capped shares
        Integer[] order = new Integer[n];
        for (int l = 0; l < n; l++) order[l] = l;
        Arrays.sort(order, (a, c) -> fraction[a] != fraction[c] ? Double.compare(fraction[c], fraction[a]) : Integer.compare(a, c));
        long target = Math.min(total, (long) cap * n);
        while (given < target)
            for (int l : order)
                if (given < target && share[l] < cap) {
                    share[l]++;
                    given++;
                }
        return share;
    }

    private static double[] filled(int n) {
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        return ones;
    }
}
