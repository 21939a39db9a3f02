package lookm.traces.kvpress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * Parity with a kvpress run, as the kvpress golden README's "How to test" says, for any backend: scores within a
 * tolerance of kvpress's stored ones, kept sets identical (on heads the run flags ambiguous: every score above the
 * cut kept, n kept, the rest at the cut). Each check returns a {@link Verdict} naming the run, head and position.
 */
public final class KvpressChecks {
    private KvpressChecks() {}

    /**
     * Scores against kvpress's within {@code tolerance}. StreamingLLM's stored score is the indicator of its kept set (ours
     * has no scores), so the kept set is compared with it; LagKV's stored ranks r/ℓ may differ by swaps of two neighbours
     * where float32 and our arithmetic order a near-tie inside a partition differently (at most 1 % of the entries).
     */
    public static Verdict scores(KvpressRun run, PolicySpec policy, Scores scores, Selection kept, Tolerance tolerance) {
        KvpressCase c = run.owner();
        float[] theirs = c.floats(run.file("score"));
        String name = "kvpress scores";
        if (policy.select() instanceof SelectSpec.Streaming) {
            for (int h = 0; h < c.kvHeads(); h++)
                for (int j = 0; j < c.tokens(); j++)
                    if (theirs[h * c.tokens() + j] != (kept.isKept(h, j) ? 1f : 0f))
                        return new Verdict(name, false, run.id() + " head " + h + " position " + j + ": kvpress's kept indicator differs");
            return new Verdict(name, true, "");
        }
        if (policy.score() instanceof ScoreSpec.LagKv lag) return rankSwapsOnly(run.id(), theirs, scores.values(), lag.lagSize());
        Verdict v = tolerance.compare(theirs, scores.values(), run.id() + " scores");
        return new Verdict(name, v.holds(), v.detail());
    }

    private static Verdict rankSwapsOnly(String id, float[] theirs, float[] ours, int lag) {
        String name = "kvpress LagKV ranks";
        float step = 1f / lag;
        List<Integer> differing = new ArrayList<>();
        for (int i = 0; i < theirs.length; i++) if (theirs[i] != ours[i]) differing.add(i);
        for (int i : differing) {
            boolean swapped = Math.abs(theirs[i] - ours[i]) == step && differing.stream().anyMatch(k -> ours[k] == theirs[i] && theirs[k] == ours[i]);
            if (!swapped) return new Verdict(name, false, id + " element " + i + ": rank " + ours[i] + " vs kvpress " + theirs[i] + " is not a swap of two neighbours");
        }
        if (differing.size() > theirs.length / 100) return new Verdict(name, false, id + ": " + differing.size() + " rank swaps, more than 1 %");
        return new Verdict(name, true, "");
    }

    /** Kept sets identical; on ambiguous heads the README's rule (above the cut kept, count n, the rest at the cut score). */
    public static Verdict keptSets(KvpressRun run, Scores scores, Selection kept) {
        KvpressCase c = run.owner();
        String name = "kvpress kept sets";
        int[][] theirs = c.intRows(run.file("kept"));
        Map<Integer, Float> cut = run.ambiguousCuts();
        for (int h = 0; h < c.kvHeads(); h++) {
            int[] ours = kept.kept(h);
            if (!cut.containsKey(h)) {
                if (!java.util.Arrays.equals(theirs[h], ours))
                    return new Verdict(name, false, run.id() + " head " + h + ": kept " + difference(theirs[h], ours));
                continue;
            }
            float at = cut.get(h);
            if (theirs[h].length != ours.length)
                return new Verdict(name, false, run.id() + " head " + h + ": kept " + ours.length + ", kvpress " + theirs[h].length);
            for (int j = 0; j < c.tokens(); j++) {
                float s = scores.at(h, j);
                if (s > at && !kept.isKept(h, j))
                    return new Verdict(name, false, run.id() + " head " + h + ": position " + j + " scores " + s + " above the cut " + at + " but was evicted");
                if (s < at && kept.isKept(h, j))
                    return new Verdict(name, false, run.id() + " head " + h + ": kept position " + j + " scores " + s + ", below the cut " + at);
            }
        }
        return new Verdict(name, true, "");
    }

    /**
     * A MergingPress run: the evicted positions, the merge target (cache position) of each evicted token identical; match
     * cosine, weight and merged values within {@code tolerance}; and the value-merge formula with keys unchanged
     * ({@link Invariants#valueMergeFollowsFormula}).
     */
    public static Verdict valueMerge(KvpressRun run, KvBlock block, CompressedLayer out, MergeSpec.ValueMerge merge, Tolerance tolerance) {
        KvpressCase c = run.owner();
        String name = "kvpress merge";
        int[][] evicted = c.intRows(run.file("evicted")), target = c.intRows(run.file("merge_target"));
        float[] similarity = c.floats(run.file("merge_sim")), weight = c.floats(run.file("merge_weight")), merged = c.floats(run.file("V_merged"));
        int p = evicted[0].length, n = c.tokens() - p, d = c.headDim();
        float[] ourSimilarity = new float[similarity.length], ourWeight = new float[weight.length], ourValues = new float[merged.length];
        for (int h = 0; h < c.kvHeads(); h++) {
            HeadCompression head = out.head(h);
            if (!java.util.Arrays.equals(evicted[h], head.evicted())) return new Verdict(name, false, run.id() + " head " + h + ": evicted positions differ");
            for (int s = 0; s < p; s++) {
                int position = head.mergeTarget()[s] < 0 ? -1 : head.kept()[head.mergeTarget()[s]];
                if (position != target[h][s])
                    return new Verdict(name, false, run.id() + " head " + h + ", evicted " + evicted[h][s] + ": merged into " + position + ", kvpress " + target[h][s]);
            }
            System.arraycopy(head.matchSimilarity(), 0, ourSimilarity, h * p, p);
            System.arraycopy(head.mergeWeight(), 0, ourWeight, h * p, p);
            System.arraycopy(head.values(), 0, ourValues, h * n * d, n * d);
            Verdict formula = Invariants.valueMergeFollowsFormula(block, h, head, merge, tolerance);
            if (!formula.holds()) return new Verdict(name, false, run.id() + ": " + formula);
        }
        for (Verdict v : new Verdict[] {tolerance.compare(similarity, ourSimilarity, run.id() + " merge_sim"),
                tolerance.compare(weight, ourWeight, run.id() + " merge_weight"), tolerance.compare(merged, ourValues, run.id() + " V_merged")})
            if (!v.holds()) return new Verdict(name, false, v.detail());
        return new Verdict(name, true, "");
    }

    private static String difference(int[] theirs, int[] ours) {
        java.util.Set<Integer> a = new java.util.TreeSet<>(), b = new java.util.TreeSet<>();
        for (int p : theirs) a.add(p);
        for (int p : ours) b.add(p);
        java.util.Set<Integer> onlyTheirs = new java.util.TreeSet<>(a), onlyOurs = new java.util.TreeSet<>(b);
        onlyTheirs.removeAll(b);
        onlyOurs.removeAll(a);
        return ours.length + " positions, kvpress " + theirs.length + "; only kvpress keeps " + onlyTheirs + ", only we keep " + onlyOurs;
    }
}
