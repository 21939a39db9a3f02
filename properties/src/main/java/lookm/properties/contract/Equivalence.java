package lookm.properties.contract;

import java.util.Arrays;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;

/**
 * Candidate backend vs reference on one layer: kept sets and merge targets exactly (G10), merged K/V within
 * {@link Tolerance#MERGE} (G9). A discrete difference is accepted only under the near-tie rule: the reference's
 * own decision was a near tie (see {@link #NEAR_TIE_RULE}).
 */
public final class Equivalence {
    /** The rule, in words, for failure messages and the README. */
    public static final String NEAR_TIE_RULE = "a match may differ only when both cosines are within Tolerance.SIMILARITY of each other"
            + " (recorded in matchSimilarity); kept sets must be identical";

    private Equivalence() {}

    public static Verdict compare(CompressedLayer reference, CompressedLayer candidate) {
        String name = "equivalentToReference";
        if (reference.headCount() != candidate.headCount())
            return Require.verdict(name, "head counts differ: " + reference.headCount() + " vs " + candidate.headCount());
        for (int h = 0; h < reference.headCount(); h++) {
            HeadCompression r = reference.head(h), c = candidate.head(h);
            if (!Arrays.equals(r.kept(), c.kept()))
                return Require.verdict(name, "head " + h + ": kept " + Arrays.toString(c.kept()) + ", reference keeps " + Arrays.toString(r.kept()));
            for (int s = 0; s < r.evicted().length; s++) {
                boolean nearTie = Tolerance.SIMILARITY.close(r.matchSimilarity()[s], c.matchSimilarity()[s]);
                if (r.match()[s] != c.match()[s] && !nearTie)
                    return Require.verdict(name, "head " + h + ", evicted position " + r.evicted()[s] + ": match " + c.match()[s]
                            + " (cos " + c.matchSimilarity()[s] + "), reference " + r.match()[s] + " (cos " + r.matchSimilarity()[s] + ")");
                if (r.mergeTarget()[s] != c.mergeTarget()[s] && !nearTie)
                    return Require.verdict(name, "head " + h + ", evicted position " + r.evicted()[s] + ": merged into " + c.mergeTarget()[s]
                            + ", reference " + r.mergeTarget()[s]);
            }
            if (Arrays.equals(r.mergeTarget(), c.mergeTarget())) {
                Verdict k = Tolerance.MERGE.compare(r.keys(), c.keys(), "keys of head " + h);
                if (!k.holds()) return k;
                Verdict v = Tolerance.MERGE.compare(r.values(), c.values(), "values of head " + h);
                if (!v.holds()) return v;
            }
        }
        return Require.verdict(name, null);
    }
}
