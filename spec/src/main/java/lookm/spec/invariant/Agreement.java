package lookm.spec.invariant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import lookm.spec.policy.Compressor;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * The one rule for "does a candidate backend agree with the reference" (SPEC.md §6.1), and its verdict. Bench
 * validation, the property suite, the variant contract, the equivalence and golden tests and the speed checks all
 * call it, so the same pair gets the same verdict everywhere. Float32 device arithmetic moves recomputed scores and
 * cosines in their last bits, so a discrete decision taken at a near-tie may go the other way; the rule says when
 * that is accepted:
 * <ol>
 *   <li><b>Scores.</b> Bit-identical, or within {@link Tolerance#SCORE}.</li>
 *   <li><b>Kept sets.</b> From bit-identical scores, identical. From scores that differ, identical unless the
 *       boundary is a near-tie: then they may differ only by exchanging positions of the same rank class (text/image
 *       when the selection ranks text first) whose reference scores differ by at most {@link #scoreSlack}; merges
 *       then saw different inputs and are not compared row by row.</li>
 *   <li><b>Matches.</b> A different match only if the reference cosine of the candidate's choice is within
 *       {@link #SIMILARITY_SLACK} of the best cosine; match cosines within {@link Tolerance#SIMILARITY}.</li>
 *   <li><b>Mean-similarity filter.</b> A slot's decision may differ only if |μ(s) − μ̄| ≤ {@link #SIMILARITY_SLACK}.</li>
 *   <li><b>Merged rows.</b> Every kept row whose source list is the same on both sides is within {@link Tolerance#MERGE}
 *       (keys and values); source lists may differ only when some decision of rules 3-4 is a near-tie.</li>
 * </ol>
 *
 * @param agrees     whether the candidate agrees (may be timed, passes the property)
 * @param basis      how it agrees, or {@link Basis#DISAGREES}
 * @param detail     the basis in words, or the first disagreement (naming head, position or row)
 * @param maxAbsDiff largest |candidate − reference| over the compressed keys and values (NaN when kept sets differ)
 */
public record Agreement(boolean agrees, Basis basis, String detail, double maxAbsDiff) {
    /** How far apart two reference scores may be and still be exchanged at the boundary: twice SCORE's bound. */
    public static double scoreSlack(double score) {
        return 2 * (Tolerance.SCORE.atol + Tolerance.SCORE.rtol * Math.abs(score));
    }

    /** Two decisions from cosines this close (or closer) may go either way: twice SIMILARITY's bound. */
    public static final double SIMILARITY_SLACK = 2 * Tolerance.SIMILARITY.atol;

    /** The predicate name of {@link #verdict()}. */
    public static final String PREDICATE = "equivalentToReference";

    public enum Basis {
        /** Kept sets identical, merged K/V within MERGE, no decision taken differently. */
        EXACT,
        /** Kept sets identical; some match or filter decision went the other way at a near-tie (rules 3-5). */
        NEAR_TIE_MERGE,
        /** Kept sets differ by near-tie exchanges only (rule 2); merges not compared row by row. */
        NEAR_TIE_KEPT,
        /** The candidate was not compared because it is the reference itself. */
        IS_REFERENCE,
        DISAGREES
    }

    public Agreement {
        if (basis == null || detail == null) throw new IllegalArgumentException("Agreement needs a basis and a detail");
        if (agrees == (basis == Basis.DISAGREES))
            throw new IllegalArgumentException("Agreement: agrees=" + agrees + " contradicts basis " + basis);
    }

    /** The verdict of a backend compared with itself. */
    public static Agreement isReference() { return new Agreement(true, Basis.IS_REFERENCE, "is the reference", 0); }

    /** As a {@link Verdict} named {@link #PREDICATE}, for the property suites. */
    public Verdict verdict() { return agrees ? Verdict.ok(PREDICATE) : Verdict.fail(PREDICATE, detail); }

    @Override public String toString() { return (agrees ? "agrees (" + basis + "): " : "DISAGREES: ") + detail; }

    /** The rule on two runs of {@code policy} (from {@link Compressor#run}) on the same block. */
    public static Agreement of(PolicySpec policy, KvBlock block, Compressor.Stages reference, Compressor.Stages candidate) {
        return of(block, reference.scores(), candidate.scores(), reference.layer(), candidate.layer(),
                policy.select().textRanksFirst(), policy.merge().meanSimilarityFilter());
    }

    /**
     * The rule on a variant known only by its outputs: its scores are unknown, so kept sets must be identical (as from
     * identical scores), and its merge may use the filter (rule 4 applies).
     */
    public static Agreement ofLayers(KvBlock block, CompressedLayer reference, CompressedLayer candidate) {
        return of(block, null, null, reference, candidate, false, true);
    }

    /**
     * The rule. {@code referenceScores}/{@code candidateScores} may both be null (unknown: kept sets must be identical).
     *
     * @param textRanksFirst whether text and image are separate rank classes (rule 2)
     * @param filtered       whether the merge uses the mean-similarity filter (rule 4)
     */
    public static Agreement of(KvBlock block, Scores referenceScores, Scores candidateScores, CompressedLayer reference,
                               CompressedLayer candidate, boolean textRanksFirst, boolean filtered) {
        if (candidate.headCount() != reference.headCount())
            return disagrees("compressed " + candidate.headCount() + " heads, reference " + reference.headCount());
        boolean sameScores = referenceScores == null || Arrays.equals(referenceScores.values(), candidateScores.values());
        if (!sameScores) {                                                                          // rule 1
            Verdict close = Tolerance.SCORE.compare(referenceScores.values(), candidateScores.values(), "scores");
            if (!close.holds()) return disagrees(close.detail());
        }
        if (!reference.selection().contentEquals(candidate.selection())) {                          // rule 2
            if (sameScores)
                return disagrees((referenceScores == null ? "kept sets differ: " : "kept sets differ although both backends computed bit-identical scores: ")
                        + firstDifference(reference, candidate));
            String why = keptSets(referenceScores, block.layout(), textRanksFirst, reference.selection(), candidate.selection());
            return why == null ? new Agreement(true, Basis.NEAR_TIE_KEPT, "kept sets differ by near-tie exchanges only (rule 2); merges not compared row by row",
                    Double.NaN) : disagrees(why);
        }
        double worst = maxAbsDiff(reference, candidate);
        MergeCheck merges = mergeCheck(block, reference, candidate, filtered);                          // rules 3-5
        if (merges.disagreement != null) return new Agreement(false, Basis.DISAGREES, merges.disagreement, worst);
        return merges.nearTie
                ? new Agreement(true, Basis.NEAR_TIE_MERGE, "identical kept sets; some match or filter decision is a float32 near-tie; other rows within Tolerance.MERGE", worst)
                : new Agreement(true, Basis.EXACT, "identical kept sets, K/V within Tolerance.MERGE", worst);
    }

    private static Agreement disagrees(String why) { return new Agreement(false, Basis.DISAGREES, why, Double.NaN); }

    /**
     * Rule 2 alone. Null when {@code candidate} agrees with {@code reference} (identical, or different only by near-tie
     * exchanges of the same rank class), else the first disagreement in words.
     *
     * @param scores the reference's scores (H, T)
     */
    public static String keptSets(Scores scores, TokenLayout layout, boolean textRanksFirst, Selection reference, Selection candidate) {
        for (int h = 0; h < reference.heads(); h++) {
            int[] ref = reference.kept(h), got = candidate.kept(h);
            if (ref.length != got.length) return "head " + h + ": kept " + got.length + " positions, reference " + ref.length;
            List<Integer> onlyRef = difference(ref, got), onlyGot = difference(got, ref);
            for (int q : onlyRef)
                for (int p : onlyGot) {
                    float a = scores.at(h, q), b = scores.at(h, p);
                    if (textRanksFirst && layout.isImage(p) != layout.isImage(q))
                        return "head " + h + ": position " + p + " kept instead of " + q + " across rank classes (text/image)";
                    double slack = scoreSlack(Math.max(Math.abs(a), Math.abs(b)));
                    if (Math.abs(a - b) > slack)
                        return "head " + h + ": position " + p + " (reference score " + b + ") kept instead of " + q + " (" + a
                                + "): gap " + Math.abs(a - b) + " exceeds the near-tie slack " + slack;
                }
        }
        return null;
    }

    /** Rules 3-5 alone, on equal kept sets: null when the merges agree, else the first disagreement in words. */
    public static String merges(KvBlock block, CompressedLayer reference, CompressedLayer candidate, boolean filtered) {
        return mergeCheck(block, reference, candidate, filtered).disagreement;
    }

    private record MergeCheck(String disagreement, boolean nearTie) {}

    private static MergeCheck mergeCheck(KvBlock block, CompressedLayer reference, CompressedLayer candidate, boolean filtered) {
        boolean anyNearTie = filtered && filterHasNearTie(reference);
        for (int h = 0; h < block.heads(); h++) {
            HeadCompression ref = reference.head(h), got = candidate.head(h);
            if (!Arrays.equals(ref.kept(), got.kept())) return new MergeCheck("head " + h + ": different kept sets", anyNearTie);
            for (int s = 0; s < ref.evicted().length; s++) {
                if (!Tolerance.SIMILARITY.close(ref.matchSimilarity()[s], got.matchSimilarity()[s])
                        && !(Float.isNaN(ref.matchSimilarity()[s]) && Float.isNaN(got.matchSimilarity()[s])))
                    return new MergeCheck("head " + h + ", evicted " + s + ": match cosine " + got.matchSimilarity()[s] + " vs reference "
                            + ref.matchSimilarity()[s], anyNearTie);
                if (ref.match()[s] == got.match()[s]) continue;
                int e = ref.evicted()[s];
                double best = cosine(block, h, e, ref.kept()[ref.match()[s]]), chosen = cosine(block, h, e, ref.kept()[got.match()[s]]);
                if (best - chosen > SIMILARITY_SLACK)
                    return new MergeCheck("head " + h + ", evicted " + s + ": matched kept " + got.match()[s] + " (cosine " + chosen + ") instead of "
                            + ref.match()[s] + " (cosine " + best + "), beyond the near-tie slack", anyNearTie);
                anyNearTie = true;
            }
        }
        boolean sourcesDiffer = false;
        for (int h = 0; h < block.heads(); h++) {
            HeadCompression ref = reference.head(h), got = candidate.head(h);
            List<List<Integer>> refSources = sources(ref), gotSources = sources(got);
            for (int s = 0; s < ref.evicted().length; s++)
                if (ref.mergeTarget()[s] >= 0 && ref.mergeTarget()[s] == got.mergeTarget()[s]
                        && !Tolerance.SIMILARITY.close(ref.mergeWeight()[s], got.mergeWeight()[s]))
                    return new MergeCheck("head " + h + ", evicted " + s + ": merge weight " + got.mergeWeight()[s] + " vs reference "
                            + ref.mergeWeight()[s], anyNearTie);
            int dim = block.headDim();
            for (int r = 0; r < ref.kept().length; r++) {
                if (!refSources.get(r).equals(gotSources.get(r))) {
                    if (!anyNearTie)
                        return new MergeCheck("head " + h + ", kept row " + r + ": sources " + gotSources.get(r) + " vs reference " + refSources.get(r), false);
                    sourcesDiffer = true;
                    continue;
                }
                for (int c = 0; c < dim; c++) {
                    int i = r * dim + c;
                    if (!Tolerance.MERGE.close(ref.keys()[i], got.keys()[i]) || !Tolerance.MERGE.close(ref.values()[i], got.values()[i]))
                        return new MergeCheck("head " + h + ", kept row " + r + ", dim " + c + ": key " + got.keys()[i] + " vs " + ref.keys()[i]
                                + ", value " + got.values()[i] + " vs " + ref.values()[i] + " (Tolerance.MERGE)", anyNearTie);
                }
            }
        }
        return new MergeCheck(null, sourcesDiffer || differentDecisions(reference, candidate));
    }

    /** Whether any match or merge target differs between the two layers. */
    private static boolean differentDecisions(CompressedLayer reference, CompressedLayer candidate) {
        for (int h = 0; h < reference.headCount(); h++)
            if (!Arrays.equals(reference.head(h).match(), candidate.head(h).match())
                    || !Arrays.equals(reference.head(h).mergeTarget(), candidate.head(h).mergeTarget())) return true;
        return false;
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

    /** Largest |candidate − reference| over compressed keys and values of equal shapes (NaN if shapes differ). */
    private static double maxAbsDiff(CompressedLayer reference, CompressedLayer candidate) {
        double worst = 0;
        for (int h = 0; h < reference.headCount(); h++) {
            float[][] pairs = {reference.head(h).keys(), candidate.head(h).keys(), reference.head(h).values(), candidate.head(h).values()};
            for (int k = 0; k < pairs.length; k += 2) {
                if (pairs[k].length != pairs[k + 1].length) return Double.NaN;
                for (int i = 0; i < pairs[k].length; i++) worst = Math.max(worst, Math.abs((double) pairs[k + 1][i] - pairs[k][i]));
            }
        }
        return worst;
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

    private static String firstDifference(CompressedLayer reference, CompressedLayer candidate) {
        for (int h = 0; h < reference.headCount(); h++)
            if (!Arrays.equals(reference.head(h).kept(), candidate.head(h).kept()))
                return "head " + h + ": kept " + Arrays.toString(candidate.head(h).kept()) + ", reference keeps " + Arrays.toString(reference.head(h).kept());
        return "same kept sets";
    }

    private static List<Integer> difference(int[] a, int[] b) {
        List<Integer> out = new ArrayList<>();
        for (int x : a) if (Arrays.binarySearch(b, x) < 0) out.add(x);
        return out;
    }
}
