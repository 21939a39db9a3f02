package lookm.spec.tensor;

/**
 * Query vectors of some positions, shape (Hq, n, D), post-RoPE, with their absolute positions (ascending).
 * Used for the prefill window (SnapKV), all prefill queries (score recomputation) and decode probes.
 */
public record Queries(float[] data, int queryHeads, int headDim, int[] positions) {
    public Queries {
        if (positions == null || positions.length == 0) throw new IllegalArgumentException("Queries need at least one position");
        String shape = "(Hq=" + queryHeads + ", n=" + positions.length + ", D=" + headDim + ")";
        Checks.length("Queries.data", data, Checks.volume("Queries " + shape, queryHeads, positions.length, headDim), shape);
        for (int i = 0; i < positions.length; i++)
            if (positions[i] < 0 || (i > 0 && positions[i] <= positions[i - 1]))
                throw new IllegalArgumentException("Queries.positions must be >= 0 and strictly ascending; position[" + i + "] = " + positions[i]);
        Checks.finite("Queries.data", data, positions.length, headDim);
    }

    /** Queries for positions [first, first + count). */
    public static Queries contiguous(float[] data, int queryHeads, int headDim, int first, int count) {
        int[] positions = new int[count];
        for (int i = 0; i < count; i++) positions[i] = first + i;
        return new Queries(data, queryHeads, headDim, positions);
    }

    public int count() { return positions.length; }

    public int offset(int queryHead, int row) { return (queryHead * positions.length + row) * headDim; }

    /** The rows {@code rows} (ascending indices into this set), e.g. VL-Cache's post-vision rows out of a window. */
    public Queries rows(int[] rows) {
        if (rows.length == 0) throw new IllegalArgumentException("cannot take 0 of " + count() + " queries");
        float[] out = new float[queryHeads * rows.length * headDim];
        int[] at = new int[rows.length];
        for (int h = 0; h < queryHeads; h++)
            for (int r = 0; r < rows.length; r++)
                System.arraycopy(data, offset(h, rows[r]), out, (h * rows.length + r) * headDim, headDim);
        for (int r = 0; r < rows.length; r++) at[r] = positions[rows[r]];
        return new Queries(out, queryHeads, headDim, at);
    }

    /**
     * VL-Cache's post-vision queries (Tu et al., arXiv 2410.23317 §4; SPEC.md §2.9): the rows at text-prior positions
     * after the last visual position of {@code layout} (and before T); every row when there are none (no visual token,
     * or the rows end inside one).
     */
    public int[] postVisionRows(TokenLayout layout, int tokens) {
        int lastVisual = -1;
        for (int j = 0; j < tokens; j++) if (layout.isImage(j)) lastVisual = j;
        int n = 0;
        int[] rows = new int[positions.length];
        for (int r = 0; r < positions.length; r++)
            if (positions[r] > lastVisual && positions[r] < tokens && layout.isText(positions[r])) rows[n++] = r;
        if (n == 0) {
            for (int r = 0; r < positions.length; r++) rows[r] = r;
            return rows;
        }
        return java.util.Arrays.copyOf(rows, n);
    }

    /** The last {@code n} rows (a suffix), e.g. a SnapKV window out of all prefill queries. */
    public Queries last(int n) {
        if (n <= 0 || n > count()) throw new IllegalArgumentException("cannot take the last " + n + " of " + count() + " queries");
        float[] out = new float[queryHeads * n * headDim];
        for (int h = 0; h < queryHeads; h++)
            System.arraycopy(data, offset(h, count() - n), out, h * n * headDim, n * headDim);
        return new Queries(out, queryHeads, headDim, java.util.Arrays.copyOfRange(positions, count() - n, count()));
    }
}
