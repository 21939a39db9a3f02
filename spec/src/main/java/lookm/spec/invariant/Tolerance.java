package lookm.spec.invariant;

/**
 * The single table of numeric tolerances between backends (|candidate − reference| <= atol + rtol·|reference|,
 * element-wise; never relative alone). Discrete decisions (kept sets, matches) are compared exactly.
 */
public enum Tolerance {
    /** Scores recomputed in float32 on a device vs the double reference. */
    SCORE(1e-5, 1e-4),
    /** Merged keys/values vs the reference, and vs the original code's golden outputs. */
    MERGE(1e-5, 1e-5),
    /** Cosine similarity of a match. */
    SIMILARITY(1e-5, 0);

    public final double atol;
    public final double rtol;

    Tolerance(double atol, double rtol) {
        this.atol = atol;
        this.rtol = rtol;
    }

    public boolean close(double reference, double candidate) {
        return Math.abs(candidate - reference) <= atol + rtol * Math.abs(reference);
    }

    /** Element-wise comparison; the verdict names the worst index. */
    public Verdict compare(float[] reference, float[] candidate, String what) {
        String name = "close(" + name() + ", " + what + ")";
        if (reference.length != candidate.length)
            return Verdict.fail(name, "length " + candidate.length + " vs reference " + reference.length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < reference.length; i++) {
            double excess = Math.abs((double) candidate[i] - reference[i]) - (atol + rtol * Math.abs(reference[i]));
            if (excess > worstExcess || Double.isNaN(excess)) {
                worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
                worst = i;
            }
        }
        if (worst < 0) return Verdict.ok(name);
        return Verdict.fail(name, "element " + worst + ": candidate " + candidate[worst] + " vs reference " + reference[worst]
                + " (atol " + atol + ", rtol " + rtol + ")");
    }
}
