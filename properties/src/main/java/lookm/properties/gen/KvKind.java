package lookm.properties.gen;

/** How keys and values (H, T, D) are drawn; matters to the merges (cosine matches, ties, zero norms). */
public enum KvKind {
    /** Independent values on a grid in [-{@value #BOUND}, {@value #BOUND}]. */
    RANDOM,
    /** A few centroids per head plus small noise: redundant image patches, high cosine similarity. */
    CLUSTERED,
    /** Random rows, some of which repeat an earlier row of the same head exactly (exact cosine ties). */
    DUPLICATED_ROWS,
    /** Random rows, some of which are all zero (zero norm: cosine 0 to everything). */
    ZERO_VECTORS;

    public static final int BOUND = 4;
    public static final int MAX_CENTROIDS = 3;
    /** Share (percent) of rows that are duplicates or zero vectors in those kinds. */
    public static final int SPECIAL_ROW_PERCENT = 30;
    private static final int GRID_BITS = 6;
    /** Cluster noise: multiples of 2^-NOISE_BITS in [-NOISE_STEPS, NOISE_STEPS] of them. */
    private static final int NOISE_BITS = 10;
    private static final int NOISE_STEPS = 4;

    /** One array of shape (H, T, D). Values are drawn with the same kind as keys but independently. */
    public Draw<float[]> draw(Shape shape) {
        return s -> {
            int t = shape.tokens(), d = shape.headDim();
            float[] out = new float[shape.kvHeads() * t * d];
            for (int h = 0; h < shape.kvHeads(); h++) {
                float[][] centroids = this == CLUSTERED ? centroids(s, d) : null;
                for (int j = 0; j < t; j++) {
                    int row = (h * t + j) * d;
                    if (this == CLUSTERED) {
                        float[] c = centroids[s.intBetween(0, centroids.length - 1)];
                        for (int i = 0; i < d; i++) out[row + i] = c[i] + (float) Math.scalb((double) s.between(-NOISE_STEPS, NOISE_STEPS, 0), -NOISE_BITS);
                    } else if (this == DUPLICATED_ROWS && j > 0 && s.percent(SPECIAL_ROW_PERCENT)) {
                        System.arraycopy(out, (h * t + s.intBetween(0, j - 1)) * d, out, row, d);
                    } else if (this == ZERO_VECTORS && s.percent(SPECIAL_ROW_PERCENT)) {
                        java.util.Arrays.fill(out, row, row + d, 0f);
                    } else {
                        for (int i = 0; i < d; i++) out[row + i] = s.signedGrid(BOUND, GRID_BITS);
                    }
                }
            }
            return out;
        };
    }

    private static float[][] centroids(Source s, int d) {
        float[][] c = new float[s.intBetween(1, MAX_CENTROIDS)][d];
        for (float[] row : c) for (int i = 0; i < d; i++) row[i] = s.signedGrid(BOUND, GRID_BITS);
        return c;
    }
}
