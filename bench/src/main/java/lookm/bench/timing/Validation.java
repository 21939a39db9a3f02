package lookm.bench.timing;

import lookm.accelerated.NearTieRule;
import lookm.spec.invariant.Tolerance;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.MergeSpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;

/**
 * Validate first, then time: a candidate's compression of a layer is compared with the reference's. Kept sets must
 * be identical; merged keys and values within {@link Tolerance#MERGE}. When the merged rows differ, the layer is
 * still accepted if the difference is explained by float32 near-ties in the cosine matches or the mean-similarity
 * filter ({@link NearTieRule#merges}); the verdict says so.
 *
 * @param valid      whether the candidate may be timed
 * @param detail     "identical kept sets, K/V within MERGE", or the first disagreement
 * @param maxAbsDiff largest |candidate − reference| over merged keys and values (NaN if the kept sets differ)
 */
public record Validation(boolean valid, String detail, double maxAbsDiff) {
    /** Compresses with both and compares. */
    public static Validation of(Compressor reference, Compressor candidate, KvBlock block, Observation observation, Budget budget) {
        CompressedLayer ref = reference.compress(block, observation, budget);
        CompressedLayer got = candidate.compress(block, observation, budget);
        return compare(block, ref, got, candidate.policy().merge());
    }

    /** Compares two compressions of {@code block}. */
    public static Validation compare(KvBlock block, CompressedLayer ref, CompressedLayer got, MergeSpec merge) {
        if (got.headCount() != ref.headCount())
            return new Validation(false, "compressed " + got.headCount() + " heads, reference " + ref.headCount(), Double.NaN);
        for (int h = 0; h < ref.headCount(); h++)
            if (!java.util.Arrays.equals(ref.head(h).kept(), got.head(h).kept()))
                return new Validation(false, "head " + h + ": kept set differs from the reference's (" + got.head(h).keptCount() + " vs "
                        + ref.head(h).keptCount() + " kept)", Double.NaN);
        double worst = 0;
        boolean close = true;
        for (int h = 0; h < ref.headCount(); h++) {
            float[][] pairs = {ref.head(h).keys(), got.head(h).keys(), ref.head(h).values(), got.head(h).values()};
            for (int k = 0; k < pairs.length; k += 2)
                for (int i = 0; i < pairs[k].length; i++) {
                    worst = Math.max(worst, Math.abs((double) pairs[k + 1][i] - pairs[k][i]));
                    close &= Tolerance.MERGE.close(pairs[k][i], pairs[k + 1][i]);
                }
        }
        if (close) return new Validation(true, "identical kept sets, K/V within Tolerance.MERGE", worst);
        boolean filtered = merge instanceof MergeSpec.Average a ? a.meanSimilarityFilter()
                : merge instanceof MergeSpec.Weighted w && w.meanSimilarityFilter();
        String why = NearTieRule.merges(block, ref, got, filtered);
        if (why == null) return new Validation(true, "identical kept sets; merged rows differ only where a cosine match is a float32 near-tie", worst);
        return new Validation(false, why, worst);
    }
}
