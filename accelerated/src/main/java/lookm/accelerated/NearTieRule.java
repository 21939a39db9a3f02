package lookm.accelerated;

import java.util.ArrayList;
import java.util.List;

import lookm.spec.invariant.Tolerance;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * When the OpenCL result may differ from the reference's, and by how much (KERNELS.md, "Near-tie rules").
 * Float32 device arithmetic moves recomputed scores and cosines in their last bits, so a discrete decision taken
 * at a near-tie may go the other way. The rules, each checked by {@code NearTieRuleTest} and the equivalence tests:
 * <ol>
 *   <li><b>Kept sets.</b> From the same float32 scores the kept sets are identical. From recomputed scores they are
 *       identical unless the selection boundary is a near-tie; then they may differ only by exchanging positions
 *       of the same rank class (text/image for the text prior) whose reference scores differ by at most
 *       {@link #scoreSlack} (each side is within {@link Tolerance#SCORE} of the exact value): both sets are valid
 *       top-k sets of the reference scores within tolerance.</li>
 *   <li><b>Matches.</b> The device's match may differ from the reference's only if the reference cosine of the
 *       device's choice is within {@link Tolerance#SIMILARITY} (atol, twice) of the best cosine.</li>
 *   <li><b>Mean-similarity filter.</b> A slot's decision may differ only if |μ(s) − μ̄| ≤ 2·SIMILARITY.atol.</li>
 *   <li><b>Merged rows.</b> Every kept row whose source list (evicted rows; weights within SIMILARITY) is the same on both sides
 *       is within {@link Tolerance#MERGE}; when no decision is a near-tie, all source lists are the same.</li>
 * </ol>
 */
public final class NearTieRule {
    private NearTieRule() {}

    /** How far apart two reference scores may be and still be exchanged at the boundary: twice SCORE's bound. */
    public static double scoreSlack(double score) {
        return 2 * (Tolerance.SCORE.atol + Tolerance.SCORE.rtol * Math.abs(score));
    }

    /** Two decisions from cosines this close (or closer) may go either way. */
    public static final double SIMILARITY_SLACK = 2 * Tolerance.SIMILARITY.atol;

    /**
     * Rule 1. Null when {@code candidate} agrees with {@code reference} (identical, or different only by near-tie
     * exchanges of the same rank class), else the first disagreement in words.
     *
     * @param scores    the reference's scores (H, T)
     * @param textPrior whether text and image are separate rank classes (text-prior selections)
     */
    public static String keptSets(Scores scores, TokenLayout layout, boolean textPrior, Selection reference, Selection candidate) {
        for (int h = 0; h < reference.heads(); h++) {
            int[] ref = reference.kept(h), got = candidate.kept(h);
            if (ref.length != got.length) return "head " + h + ": kept " + got.length + " positions, reference " + ref.length;
            List<Integer> onlyRef = difference(ref, got), onlyGot = difference(got, ref);
            for (int q : onlyRef)
                for (int p : onlyGot) {
                    float a = scores.at(h, q), b = scores.at(h, p);
                    if (textPrior && layout.isImage(p) != layout.isImage(q))
                        return "head " + h + ": position " + p + " kept instead of " + q + " across rank classes (text/image)";
                    if (Math.abs(a - b) > scoreSlack(Math.max(Math.abs(a), Math.abs(b))))
                        return "head " + h + ": position " + p + " (reference score " + b + ") kept instead of " + q + " (" + a
                                + "): gap " + Math.abs(a - b) + " exceeds the near-tie slack " + scoreSlack(Math.max(Math.abs(a), Math.abs(b)));
                }
        }
        return null;
    }

    /**
     * Rules 2-4. Null when the merges agree, else the first disagreement in words. {@code filtered}: whether the
     * variant uses the mean-similarity filter.
     */
    public static String merges(KvBlock block, CompressedLayer reference, CompressedLayer candidate, boolean filtered) {
        boolean filterNearTie = filtered && filterHasNearTie(reference);
        boolean anyNearTie = filterNearTie;
        for (int h = 0; h < block.heads(); h++) {
            HeadCompression ref = reference.head(h), got = candidate.head(h);
            if (!java.util.Arrays.equals(ref.kept(), got.kept())) return "head " + h + ": different kept sets";
            for (int s = 0; s < ref.evicted().length; s++) {
                if (!Tolerance.SIMILARITY.close(ref.matchSimilarity()[s], got.matchSimilarity()[s])
                        && !(Float.isNaN(ref.matchSimilarity()[s]) && Float.isNaN(got.matchSimilarity()[s])))
                    return "head " + h + ", evicted " + s + ": match cosine " + got.matchSimilarity()[s] + " vs reference " + ref.matchSimilarity()[s];
                if (ref.match()[s] == got.match()[s]) continue;
                int e = ref.evicted()[s];
                double best = cosine(block, h, e, ref.kept()[ref.match()[s]]), chosen = cosine(block, h, e, ref.kept()[got.match()[s]]);
                if (best - chosen > SIMILARITY_SLACK)
                    return "head " + h + ", evicted " + s + ": matched kept " + got.match()[s] + " (cosine " + chosen + ") instead of "
                            + ref.match()[s] + " (cosine " + best + "), beyond the near-tie slack";
                anyNearTie = true;
            }
        }
        for (int h = 0; h < block.heads(); h++) {
            HeadCompression ref = reference.head(h), got = candidate.head(h);
            List<List<Integer>> refSources = sources(ref), gotSources = sources(got);
            for (int s = 0; s < ref.evicted().length; s++)
                if (ref.mergeTarget()[s] >= 0 && ref.mergeTarget()[s] == got.mergeTarget()[s]
                        && !Tolerance.SIMILARITY.close(ref.mergeWeight()[s], got.mergeWeight()[s]))
                    return "head " + h + ", evicted " + s + ": merge weight " + got.mergeWeight()[s] + " vs reference " + ref.mergeWeight()[s];
            int dim = block.headDim();
            for (int r = 0; r < ref.kept().length; r++) {
                if (!refSources.get(r).equals(gotSources.get(r))) {
                    if (!anyNearTie) return "head " + h + ", kept row " + r + ": sources " + gotSources.get(r) + " vs reference " + refSources.get(r);
                    continue;
                }
                for (int c = 0; c < dim; c++) {
                    int i = r * dim + c;
                    if (!Tolerance.MERGE.close(ref.keys()[i], got.keys()[i]) || !Tolerance.MERGE.close(ref.values()[i], got.values()[i]))
                        return "head " + h + ", kept row " + r + ", dim " + c + ": key " + got.keys()[i] + " vs " + ref.keys()[i]
                                + ", value " + got.values()[i] + " vs " + ref.values()[i] + " (Tolerance.MERGE)";
                }
            }
        }
        return null;
    }

    /** Whether some slot's μ(s) is within the slack of μ̄, from the reference's match cosines (SPEC.md §4.2, ragged heads). */
    public static boolean filterHasNearTie(CompressedLayer reference) {
        int slots = 0;
        long entries = 0;
        for (int h = 0; h < reference.headCount(); h++) {
            slots = Math.max(slots, reference.head(h).evicted().length);
            entries += reference.head(h).evicted().length;
        }
        double[] perSlot = new double[slots];
        int[] present = new int[slots];
        double total = 0;
        for (int h = 0; h < reference.headCount(); h++) {
            float[] m = reference.head(h).matchSimilarity();
            for (int s = 0; s < m.length; s++) {
                perSlot[s] += m[s];
                present[s]++;
                total += m[s];
            }
        }
        double overall = total / entries;
        for (int s = 0; s < slots; s++) if (Math.abs(perSlot[s] / present[s] - overall) <= SIMILARITY_SLACK) return true;
        return false;
    }

    /** Per kept row, the evicted positions added into it, ascending. */
    private static List<List<Integer>> sources(HeadCompression head) {
        List<List<Integer>> out = new ArrayList<>();
        for (int r = 0; r < head.kept().length; r++) out.add(new ArrayList<>());
        for (int s = 0; s < head.evicted().length; s++)
            if (head.mergeTarget()[s] >= 0) out.get(head.mergeTarget()[s]).add(head.evicted()[s]);
        return out;
    }

    /** Cosine of two keys of a head, in double; 0 if either is zero. */
    public static double cosine(KvBlock block, int head, int a, int b) {
        double dot = 0, na = 0, nb = 0;
        int oa = block.offset(head, a), ob = block.offset(head, b);
        for (int c = 0; c < block.headDim(); c++) {
            double x = block.keys()[oa + c], y = block.keys()[ob + c];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static List<Integer> difference(int[] a, int[] b) {
        List<Integer> out = new ArrayList<>();
        for (int x : a) if (java.util.Arrays.binarySearch(b, x) < 0) out.add(x);
        return out;
    }
}
