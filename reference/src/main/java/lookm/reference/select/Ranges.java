package lookm.reference.select;

/** Position ranges and set unions used by the selectors. */
final class Ranges {
    private Ranges() {}

    /** [from, to) as an array. */
    static int[] range(int from, int to) {
        int[] out = new int[Math.max(0, to - from)];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }

    /** Sorted union of sorted, disjoint arrays. */
    static int[] union(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int i = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        java.util.Arrays.sort(out);
        return out;
    }
}
