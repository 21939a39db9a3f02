package lookm.properties.contract;

import java.util.Arrays;
import lookm.accelerated.NearTieRule;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;

/**
 * Candidate backend vs reference on one layer (property 1), under the accelerated backend's documented near-tie
 * rules ({@link NearTieRule}, KERNELS.md): from bit-identical scores the kept sets must be identical; from scores
 * that differ in their last bits they may differ only by near-tie exchanges; matches, filter decisions and merged
 * K/V follow NearTieRule rules 2-4 (merged rows within Tolerance.MERGE).
 */
public final class Equivalence {
    private Equivalence() {}

    /** A registered policy: scores of both backends are known, so the kept-set rule can be exact where it must. */
    public static Verdict compare(PolicySpec policy, KvBlock block, Scores referenceScores, Scores candidateScores,
                                  CompressedLayer reference, CompressedLayer candidate) {
        String name = "equivalentToReference";
        boolean sameScores = Arrays.equals(referenceScores.values(), candidateScores.values());
        boolean sameKept = reference.selection().contentEquals(candidate.selection());
        if (!sameKept) {
            if (sameScores)
                return Require.verdict(name, "kept sets differ although both backends computed bit-identical scores: "
                        + firstDifference(reference, candidate));
            String why = NearTieRule.keptSets(referenceScores, block.layout(), policy.select() instanceof SelectSpec.TextPrior,
                    reference.selection(), candidate.selection());
            return Require.verdict(name, why);                        // a near-tie exchange: the merges saw different inputs
        }
        return Require.verdict(name, NearTieRule.merges(block, reference, candidate, filtered(policy.merge())));
    }

    /** A variant known only by its outputs: kept sets exactly, merges under NearTieRule rules 2-4. */
    public static Verdict compare(KvBlock block, CompressedLayer reference, CompressedLayer candidate) {
        String name = "equivalentToReference";
        if (!reference.selection().contentEquals(candidate.selection()))
            return Require.verdict(name, "kept sets differ: " + firstDifference(reference, candidate));
        return Require.verdict(name, NearTieRule.merges(block, reference, candidate, true));
    }

    /** Whether a merge uses the mean-similarity filter (NearTieRule rule 3). */
    public static boolean filtered(MergeSpec merge) {
        return merge instanceof MergeSpec.Average a ? a.meanSimilarityFilter() : merge instanceof MergeSpec.Weighted w && w.meanSimilarityFilter();
    }

    private static String firstDifference(CompressedLayer reference, CompressedLayer candidate) {
        for (int h = 0; h < reference.headCount(); h++)
            if (!Arrays.equals(reference.head(h).kept(), candidate.head(h).kept()))
                return "head " + h + ": kept " + Arrays.toString(candidate.head(h).kept()) + ", reference keeps " + Arrays.toString(reference.head(h).kept());
        return "head counts " + candidate.headCount() + " vs " + reference.headCount();
    }
}
