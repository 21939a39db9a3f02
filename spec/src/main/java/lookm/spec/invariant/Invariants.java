package lookm.spec.invariant;

import java.util.Arrays;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.spec.tensor.TokenLayout;

/**
 * The invariants of spec/SPEC.md §5 as named predicates, for every backend's tests and for the variant
 * contract. Each returns a {@link Verdict} naming the first violation (head, position).
 */
public final class Invariants {
    private Invariants() {}

    /** I1: per head, kept and evicted partition [0, T), both ascending. */
    public static Verdict keptAndEvictedPartition(CompressedLayer layer) {
        String name = "keptAndEvictedPartition";
        for (int h = 0; h < layer.headCount(); h++) {
            HeadCompression c = layer.head(h);
            boolean[] seen = new boolean[layer.tokens()];
            for (int[] part : new int[][] {c.kept(), c.evicted()})
                for (int i = 0; i < part.length; i++) {
                    int p = part[i];
                    if (p < 0 || p >= seen.length || seen[p] || (i > 0 && part[i - 1] >= p))
                        return Verdict.fail(name, "head " + h + ": position " + p + " repeated, out of order or out of [0, " + seen.length + ")");
                    seen[p] = true;
                }
        }
        return Verdict.ok(name);
    }

    /**
     * I2: every head keeps exactly the count SPEC.md §3 gives for this selection ({@link ExpectedKept}); without the
     * scores, the released text prior's count assumes image scores below Λ (see {@link ExpectedKept#count}).
     */
    public static Verdict keptCountMatchesFormula(Selection selection, SelectSpec select, TokenLayout layout, Budget budget) {
        return keptCountMatchesFormula(selection, select, layout, budget, null);
    }

    /** I2 with the scores the selection ranked (exact for the released text prior whatever the score range). */
    public static Verdict keptCountMatchesFormula(Selection selection, SelectSpec select, TokenLayout layout, Budget budget, Scores scores) {
        for (int h = 0; h < selection.heads(); h++) {
            int expected = ExpectedKept.count(select, layout, budget, scores, h);
            if (selection.keptCount(h) != expected)
                return Verdict.fail("keptCountMatchesFormula", "head " + h + " keeps " + selection.keptCount(h) + ", formula gives " + expected
                        + " (" + select + ", " + budget + ", " + layout + ")");
        }
        return Verdict.ok("keptCountMatchesFormula");
    }

    /** I3: no head keeps more than {@code maxKept} tokens (the generic budget bound of the variant contract). */
    public static Verdict keptAtMost(Selection selection, int maxKept) {
        for (int h = 0; h < selection.heads(); h++)
            if (selection.keptCount(h) > maxKept)
                return Verdict.fail("keptAtMost", "head " + h + " keeps " + selection.keptCount(h) + " > " + maxKept);
        return Verdict.ok("keptAtMost");
    }

    /**
     * I18 (decode-phase streaming, SPEC.md §9): a KV head holding {@code rows} rows {@code sinceCompression} generated
     * tokens after the last compression holds at most C + k (k = 0 right after a compression: at most the cap C), and
     * k never passes the period N.
     */
    public static Verdict withinDecodeCap(int rows, lookm.spec.decode.DecodeSchedule schedule, int sinceCompression) {
        String name = "withinDecodeCap";
        if (sinceCompression < 0 || sinceCompression > schedule.every())
            return Verdict.fail(name, sinceCompression + " tokens since the last compression, outside [0, N=" + schedule.every() + "]");
        if (rows > schedule.bound(sinceCompression))
            return Verdict.fail(name, rows + " rows > cap C=" + schedule.cap() + " + " + sinceCompression + " tokens since the last compression");
        return Verdict.ok(name);
    }

    /** I4: the last {@code window} positions are kept in every head. */
    public static Verdict recentWindowKept(Selection selection, int window) {
        for (int h = 0; h < selection.heads(); h++)
            for (int t = selection.tokens() - window; t < selection.tokens(); t++)
                if (!selection.isKept(h, t))
                    return Verdict.fail("recentWindowKept", "head " + h + " evicts position " + t + " inside the recent window of " + window);
        return Verdict.ok("recentWindowKept");
    }

    /** I5: the first {@code sinks} positions are kept in every head. */
    public static Verdict sinksKept(Selection selection, int sinks) {
        for (int h = 0; h < selection.heads(); h++)
            for (int t = 0; t < Math.min(sinks, selection.tokens()); t++)
                if (!selection.isKept(h, t)) return Verdict.fail("sinksKept", "head " + h + " evicts sink position " + t);
        return Verdict.ok("sinksKept");
    }

    /** The window length (I4) and protected sinks (I5) that a selection guarantees, {window, sinks}. */
    public static int[] protectedCounts(SelectSpec select, int tokens, Budget budget) {
        Budget.Resolved b = budget.resolve(tokens);
        return b.coversCache() ? new int[] {tokens, tokens} : select.protectedCounts(b);
    }

    /** I6 (released text prior): every text token outside the recent window is kept. */
    public static Verdict textRetained(Selection selection, TokenLayout layout, Budget budget) {
        int recentStart = budget.resolve(layout.size()).recentStart();
        for (int h = 0; h < selection.heads(); h++)
            for (int t = 0; t < recentStart; t++)
                if (layout.isText(t) && !selection.isKept(h, t))
                    return Verdict.fail("textRetained", "head " + h + " evicts text position " + t + " outside the recent window");
        return Verdict.ok("textRetained");
    }

    /** I7 (any text prior): outside the window, no image token is kept while a text token is evicted. */
    public static Verdict textBeforeImage(Selection selection, TokenLayout layout, Budget budget) {
        int recentStart = budget.resolve(layout.size()).recentStart();
        for (int h = 0; h < selection.heads(); h++) {
            int evictedText = -1, keptImage = -1;
            for (int t = 0; t < recentStart; t++) {
                if (layout.isText(t) && !selection.isKept(h, t) && evictedText < 0) evictedText = t;
                if (layout.isImage(t) && selection.isKept(h, t) && keptImage < 0) keptImage = t;
            }
            if (evictedText >= 0 && keptImage >= 0)
                return Verdict.fail("textBeforeImage", "head " + h + " keeps image position " + keptImage + " but evicts text position " + evictedText);
        }
        return Verdict.ok("textBeforeImage");
    }

    /** I8: with the same recent window, the kept set of a smaller budget is contained in that of a larger one. */
    public static Verdict nested(Selection smaller, Selection larger) {
        for (int h = 0; h < smaller.heads(); h++)
            for (int p : smaller.kept(h))
                if (!larger.isKept(h, p)) return Verdict.fail("nested", "head " + h + ": position " + p + " kept by the smaller budget only");
        return Verdict.ok("nested");
    }

    /** I9: a budget covering the cache (T <= N + R) or KeepAll changes nothing, bit for bit. */
    public static Verdict identity(KvBlock block, CompressedLayer layer) {
        for (int h = 0; h < block.heads(); h++) {
            HeadCompression c = layer.head(h);
            if (c.evicted().length != 0) return Verdict.fail("identity", "head " + h + " evicts " + c.evicted().length + " tokens");
            int from = block.offset(h, 0), to = from + block.headStride();
            if (!Arrays.equals(c.keys(), Arrays.copyOfRange(block.keys(), from, to))
                    || !Arrays.equals(c.values(), Arrays.copyOfRange(block.values(), from, to)))
                return Verdict.fail("identity", "head " + h + " K/V differ from the input");
        }
        return Verdict.ok("identity");
    }

    /** I10: every output key and value is finite. */
    public static Verdict finite(CompressedLayer layer) {
        for (int h = 0; h < layer.headCount(); h++)
            for (float[] a : new float[][] {layer.head(h).keys(), layer.head(h).values()})
                for (int i = 0; i < a.length; i++)
                    if (!Float.isFinite(a[i]))
                        return Verdict.fail("finite", "head " + h + ", kept row " + i / layer.headDim() + ": " + a[i]);
        return Verdict.ok("finite");
    }

    /** I11: two results are identical bit for bit (determinism, reruns, threads). */
    public static Verdict identical(CompressedLayer a, CompressedLayer b) {
        if (a.headCount() != b.headCount()) return Verdict.fail("identical", "head counts differ");
        for (int h = 0; h < a.headCount(); h++) {
            HeadCompression x = a.head(h), y = b.head(h);
            if (!Arrays.equals(x.kept(), y.kept())) return Verdict.fail("identical", "head " + h + ": kept sets differ");
            if (!Arrays.equals(x.mergeTarget(), y.mergeTarget())) return Verdict.fail("identical", "head " + h + ": merge targets differ");
            if (!Arrays.equals(x.keys(), y.keys()) || !Arrays.equals(x.values(), y.values()))
                return Verdict.fail("identical", "head " + h + ": K/V differ");
        }
        return Verdict.ok("identical");
    }

    /** Cosine similarity in double; 0 when either vector has zero norm (SPEC.md §4.1). */
    public static double cosine(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < dim; i++) {
            dot += (double) a[aOffset + i] * b[bOffset + i];
            na += (double) a[aOffset + i] * a[aOffset + i];
            nb += (double) b[bOffset + i] * b[bOffset + i];
        }
        return na == 0 || nb == 0 ? 0 : dot / (Math.sqrt(na) * Math.sqrt(nb));
    }

    /**
     * I12: each evicted token's match is its most cosine-similar kept key (ties to the lowest kept position);
     * a different match is accepted only if its cosine is within {@link Tolerance#SIMILARITY} of the best.
     */
    public static Verdict matchIsMostSimilar(KvBlock block, int head, HeadCompression c) {
        int[] kept = c.kept(), evicted = c.evicted();
        for (int s = 0; s < evicted.length; s++) {
            if (c.match()[s] < 0) continue;
            int best = 0;
            double bestCos = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < kept.length; r++) {
                double cos = cosine(block.keys(), block.offset(head, evicted[s]), block.keys(), block.offset(head, kept[r]), block.headDim());
                if (cos > bestCos) { bestCos = cos; best = r; }
            }
            int m = c.match()[s];
            double got = cosine(block.keys(), block.offset(head, evicted[s]), block.keys(), block.offset(head, kept[m]), block.headDim());
            if (m != best && !Tolerance.SIMILARITY.close(bestCos, got))
                return Verdict.fail("matchIsMostSimilar", "head " + head + ", evicted position " + evicted[s] + " matched kept position "
                        + kept[m] + " (cos " + got + "), best is " + kept[best] + " (cos " + bestCos + ")");
        }
        return Verdict.ok("matchIsMostSimilar");
    }

    /**
     * I13: targets and weights follow the merge variant, and each merged row equals the SPEC.md §4 formula
     * recomputed in double from the input, within {@code tolerance}:
     * row'_r = [row_r + Σ_{s→r} (w_s·row_{e_s} + π·row_r)] / (1 + n_r), π = 1/2 for pivot, else 0.
     */
    public static Verdict mergedRowsFollowFormula(KvBlock block, int head, HeadCompression c, MergeSpec merge, Tolerance tolerance) {
        String name = "mergedRowsFollowFormula";
        if (merge instanceof MergeSpec.ValueMerge vm) return valueMergeFollowsFormula(block, head, c, vm, tolerance);
        double pivotShare = merge.pivotShare();
        for (int s = 0; s < c.evicted().length; s++) {
            String problem = merge.bookkeeping(c.mergeTarget()[s], c.match()[s], c.mergeWeight()[s], c.matchSimilarity()[s]);
            if (problem != null) return Verdict.fail(name, "head " + head + ", evicted position " + c.evicted()[s] + ": " + problem);
        }
        int d = block.headDim(), kept = c.kept().length;
        for (boolean keys : new boolean[] {true, false}) {
            float[] in = keys ? block.keys() : block.values(), out = keys ? c.keys() : c.values();
            double[] numerator = new double[kept * d];
            int[] n = new int[kept];
            for (int r = 0; r < kept; r++)
                for (int i = 0; i < d; i++) numerator[r * d + i] = in[block.offset(head, c.kept()[r]) + i];
            for (int s = 0; s < c.evicted().length; s++) {
                int r = c.mergeTarget()[s];
                if (r < 0) continue;
                n[r]++;
                for (int i = 0; i < d; i++)
                    numerator[r * d + i] += c.mergeWeight()[s] * (double) in[block.offset(head, c.evicted()[s]) + i]
                            + pivotShare * in[block.offset(head, c.kept()[r]) + i];
            }
            for (int r = 0; r < kept; r++)
                for (int i = 0; i < d; i++) {
                    double expected = numerator[r * d + i] / (1 + n[r]);
                    float got = out[r * d + i];
                    boolean ok = n[r] == 0 ? got == in[block.offset(head, c.kept()[r]) + i] : tolerance.close(expected, got);
                    if (!ok)
                        return Verdict.fail(name, "head " + head + ", kept position " + c.kept()[r] + (keys ? " key" : " value") + "[" + i + "] = "
                                + got + ", formula gives " + expected + (n[r] == 0 ? " (no token merged: must be bit-identical)" : ""));
                }
        }
        return Verdict.ok(name);
    }

    /**
     * I13 for the value-only merge (SPEC.md §4.6): keys bit-identical to the input; target = match where the match
     * cosine σ ≥ threshold, else −1; weight w = max(σ, 0)·‖v_e‖/(‖v_e‖ + ‖v_τ‖ + ε); v'_s = (v_s + Σ w·v_e)/(1 + Σ w)
     * within {@code tolerance} where Σ w > 0, bit-identical elsewhere.
     */
    public static Verdict valueMergeFollowsFormula(KvBlock block, int head, HeadCompression c, MergeSpec.ValueMerge merge, Tolerance tolerance) {
        String name = "valueMergeFollowsFormula";
        int d = block.headDim(), kept = c.kept().length;
        float[] k = block.keys(), v = block.values();
        for (int r = 0; r < kept; r++)
            for (int i = 0; i < d; i++)
                if (c.keys()[r * d + i] != k[block.offset(head, c.kept()[r]) + i])
                    return Verdict.fail(name, "head " + head + ", kept position " + c.kept()[r] + ": key[" + i + "] changed; the value merge never changes keys");
        double[] numerator = new double[kept * d], weightSum = new double[kept];
        for (int r = 0; r < kept; r++)
            for (int i = 0; i < d; i++) numerator[r * d + i] = v[block.offset(head, c.kept()[r]) + i];
        for (int s = 0; s < c.evicted().length; s++) {
            int m = c.match()[s], target = c.mergeTarget()[s];
            float sigma = c.matchSimilarity()[s];
            String where = "head " + head + ", evicted position " + c.evicted()[s];
            int expectedTarget = m >= 0 && sigma >= merge.similarityThreshold() ? m : -1;
            if (target != expectedTarget) return Verdict.fail(name, where + ": merged into " + target + ", expected " + expectedTarget);
            if (target < 0) continue;
            double evictedNorm = norm(v, block.offset(head, c.evicted()[s]), d), targetNorm = norm(v, block.offset(head, c.kept()[target]), d);
            double w = Math.max(sigma, 0) * evictedNorm / (evictedNorm + targetNorm + MergeSpec.ValueMerge.EPSILON);
            if (!tolerance.close(w, c.mergeWeight()[s])) return Verdict.fail(name, where + ": weight " + c.mergeWeight()[s] + ", formula gives " + w);
            weightSum[target] += c.mergeWeight()[s];
            for (int i = 0; i < d; i++) numerator[target * d + i] += c.mergeWeight()[s] * (double) v[block.offset(head, c.evicted()[s]) + i];
        }
        for (int r = 0; r < kept; r++)
            for (int i = 0; i < d; i++) {
                float got = c.values()[r * d + i], input = v[block.offset(head, c.kept()[r]) + i];
                boolean ok = weightSum[r] > 0 ? tolerance.close(numerator[r * d + i] / (1 + weightSum[r]), got) : got == input;
                if (!ok) return Verdict.fail(name, "head " + head + ", kept position " + c.kept()[r] + " value[" + i + "] = " + got
                        + (weightSum[r] > 0 ? ", formula gives " + numerator[r * d + i] / (1 + weightSum[r]) : ": nothing merged, must be bit-identical"));
            }
        return Verdict.ok(name);
    }

    private static double norm(float[] data, int offset, int dim) {
        double sum = 0;
        for (int i = 0; i < dim; i++) sum += (double) data[offset + i] * data[offset + i];
        return Math.sqrt(sum);
    }

    /** Convenience: text-prior mode of a selection, or null. */
    public static TextPriorMode textPriorMode(SelectSpec select) {
        return select instanceof SelectSpec.TextPrior tp ? tp.mode() : null;
    }
}
