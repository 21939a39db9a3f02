package lookm.reference.ops;

import org.ejml.data.DMatrixRMaj;

/** Row gathers between the float32 (H, T, D) storage of spec and EJML's double matrices. */
public final class Rows {
    private Rows() {}

    /**
     * Rows {@code positions} of head {@code head} of an (H, T, D) array, as a (n, D) double matrix.
     *
     * @param data (H, T, D) float32. Not modified.
     */
    public static DMatrixRMaj gather(float[] data, int tokens, int dim, int head, int[] positions) {
        DMatrixRMaj out = new DMatrixRMaj(positions.length, dim);
        for (int i = 0; i < positions.length; i++) {
            int from = (head * tokens + positions[i]) * dim;
            for (int c = 0; c < dim; c++) out.data[i * dim + c] = data[from + c];
        }
        return out;
    }

    /** Rows [from, to) of head {@code head}, as a (to − from, D) double matrix. */
    public static DMatrixRMaj range(float[] data, int tokens, int dim, int head, int from, int to) {
        DMatrixRMaj out = new DMatrixRMaj(to - from, dim);
        int base = (head * tokens + from) * dim;
        for (int i = 0; i < out.data.length; i++) out.data[i] = data[base + i];
        return out;
    }

    /** Scales every row to unit L2 norm, in place; a zero row stays zero (so its cosine with anything is 0). */
    public static void normalize(DMatrixRMaj rows) {
        int dim = rows.numCols;
        for (int r = 0; r < rows.numRows; r++) {
            double norm = 0;
            for (int c = 0; c < dim; c++) norm += rows.data[r * dim + c] * rows.data[r * dim + c];
            if (norm == 0) continue;
            double inverse = 1.0 / Math.sqrt(norm);
            for (int c = 0; c < dim; c++) rows.data[r * dim + c] *= inverse;
        }
    }

    /** Float rows of one head: positions {@code positions}, copied bit for bit into a (n, D) float array. */
    public static float[] copy(float[] data, int tokens, int dim, int head, int[] positions) {
        float[] out = new float[positions.length * dim];
        for (int i = 0; i < positions.length; i++)
            System.arraycopy(data, (head * tokens + positions[i]) * dim, out, i * dim, dim);
        return out;
    }
}
