package lookm.accelerated.select;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * OpenCL twin of {@code lookm.spec.policy.KeepOrder.top}, for all heads at once (keep_order_top.cl): the k best
 * candidates per head under (rank key descending, position ascending), plus the window. Exact: integer counts only.
 */
final class KeepOrderTopCl {
    /** Work-group size of keep_top (a power of two). */
    private static final int GROUP = 64;

    private KeepOrderTopCl() {}

    /**
     * Steps (1)-(2) of keep_order_top.cl.
     *
     * @param keys       (H, T) ulong rank keys on the device
     * @param candidates positions [0, candidates) compete; positions >= candidates are always kept
     * @param k          how many candidates to keep per head, in [0, candidates]
     * @return (H, T) flags on the device (1 = kept); the caller closes it
     */
    static ClBuffer keepTop(ClContext cl, ClBuffer keys, int heads, int tokens, int candidates, int k) {
        if (k < 0 || k > candidates) throw new IllegalArgumentException("cannot keep the top " + k + " of " + candidates + " candidates");
        int group = Integer.highestOneBit((int) Math.min(GROUP, cl.device().maxWorkGroupSize()));
        ClBuffer flags = cl.allocate((long) heads * tokens);
        try (ClKernel top = cl.program("select/keep_order_top", "").kernel("keep_top")) {
            top.arg(keys).arg(tokens).arg(candidates).arg(k).arg(flags).local((long) group * Integer.BYTES)
                    .launch(new long[] {(long) heads * group}, new long[] {group});
        } catch (RuntimeException e) {
            flags.close();
            throw e;
        }
        return flags;
    }

    /** Reads (H, T) flags back as a selection: kept positions ascending per head. */
    static Selection toSelection(ClBuffer flags, int heads, int tokens) {
        byte[] f = flags.readBytes(heads * tokens);
        int[][] kept = new int[heads][];
        int[] buffer = new int[tokens];
        for (int h = 0; h < heads; h++) {
            int n = 0;
            for (int t = 0; t < tokens; t++) if (f[h * tokens + t] != 0) buffer[n++] = t;
            kept[h] = java.util.Arrays.copyOf(buffer, n);
        }
        return new Selection(kept, tokens);
    }

    /** (T) image indicator bytes of a layout (1 = image). */
    static byte[] imageMask(TokenLayout layout) {
        byte[] mask = new byte[layout.size()];
        for (int t = 0; t < mask.length; t++) mask[t] = (byte) (layout.isImage(t) ? 1 : 0);
        return mask;
    }
}
