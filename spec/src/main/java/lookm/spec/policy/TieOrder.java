package lookm.spec.policy;

import java.util.Arrays;

/**
 * Which of several equal scores survives a top-N cut (SPEC.md §3, "Tie order"). Part of the selection spec, so a
 * policy states it and every backend obeys it exactly.
 */
public enum TieOrder {
    /** Score descending, then the lower position ({@link KeepOrder}); the default. */
    POSITION,
    /**
     * Exactly what the authors' code keeps when run with torch 1.13 on the CPU, as the golden cases were:
     * {@link TorchCpuOrder} over the candidates laid out in position order, with {@code topk} or
     * {@code argsort(descending)} as the original calls it.
     */
    TORCH_CPU;

    /**
     * The k survivors of {@code torch.topk(score[candidates], k)} under this order, ascending.
     *
     * @param score      score per position (indexed by position). Not modified.
     * @param candidates candidate positions, in the order the original lays them out (ascending). Not modified.
     */
    public int[] topk(float[] score, int[] candidates, int k) {
        if (this == POSITION) return KeepOrder.top(score, candidates, k);
        return positions(candidates, TorchCpuOrder.topk(gather(score, candidates), k), k);
    }

    /**
     * The first k of {@code torch.argsort(score[candidates], descending=True)} under this order, ascending (the
     * original's H2O + merge classes select this way). Under POSITION the same set as {@link #topk}.
     */
    public int[] argsortTop(float[] score, int[] candidates, int k) {
        if (k < 0 || k > candidates.length)
            throw new IllegalArgumentException("cannot take the top " + k + " of " + candidates.length + " candidates");
        if (this == POSITION) return KeepOrder.top(score, candidates, k);
        return positions(candidates, TorchCpuOrder.argsortDescending(gather(score, candidates)), k);
    }

    /**
     * The heavy-hitter cut of {@link SelectSpec.TopK} for one head, ascending: {@code heavy} of the candidates
     * [0, candidates), the first {@code sinks} ranking above all others. POSITION: the sinks plus the top
     * heavy − sinks of [sinks, candidates) under {@link KeepOrder}. TORCH_CPU, as the original calls torch:
     * {@code topk(a[0, candidates), heavy)} without sinks; with sinks, a[0, sinks) = +∞ and the first heavy of
     * {@code argsort(a[0, candidates), descending)} (the H2O + merge classes), whose tie order depends on the whole
     * vector, sinks included.
     *
     * @param row score per position of one head. Not modified.
     */
    public int[] sinksThenTop(float[] row, int sinks, int candidates, int heavy) {
        if (sinks < 0 || sinks > heavy || heavy > candidates || candidates > row.length)
            throw new IllegalArgumentException("need 0 <= sinks <= heavy <= candidates <= T, got sinks=%d heavy=%d candidates=%d T=%d"
                    .formatted(sinks, heavy, candidates, row.length));
        if (this == POSITION) {
            int[] top = KeepOrder.top(row, range(sinks, candidates), heavy - sinks), out = new int[heavy];
            for (int i = 0; i < sinks; i++) out[i] = i;
            System.arraycopy(top, 0, out, sinks, top.length);
            return out;
        }
        if (sinks == 0) return topk(row, range(0, candidates), heavy);
        float[] withSinks = row.clone();
        Arrays.fill(withSinks, 0, sinks, Float.POSITIVE_INFINITY);
        return argsortTop(withSinks, range(0, candidates), heavy);
    }

    /** What the {@code ties} parameter of a policy expression means. */
    public static final String PARAM_DESCRIPTION = "who survives equal scores at the cut: position (the lower position)"
            + " or torch_cpu (torch 1.13 CPU topk/argsort, as the golden cases; torch-cpu also accepted; SPEC §3)";

    /** Name in policy parameters and on the command line: {@code position}, {@code torch-cpu}. */
    public String label() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }

    /** The order named {@code label} ({@code position} or {@code torch-cpu}); an unknown name lists both. */
    public static TieOrder ofLabel(String label) {
        for (TieOrder t : values()) if (t.label().equals(label)) return t;
        throw new IllegalArgumentException("unknown tie order '" + label + "'; known: position, torch-cpu");
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }

    private static float[] gather(float[] score, int[] candidates) {
        float[] values = new float[candidates.length];
        for (int i = 0; i < values.length; i++) values[i] = score[candidates[i]];
        return values;
    }

    private static int[] positions(int[] candidates, int[] order, int k) {
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = candidates[order[i]];
        Arrays.sort(out);
        return out;
    }
}
