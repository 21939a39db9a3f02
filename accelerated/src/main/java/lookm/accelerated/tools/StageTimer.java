package lookm.accelerated.tools;

import java.util.Arrays;
import java.util.Locale;

import lookm.accelerated.OpenClBackend;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * Times the three stages of any backend's {@link Compressor} (score, select, merge + gather) by wall clock. Every
 * stage returns host data (scores, selection, compressed layer), so the device is idle at each boundary and the
 * stage times add up to the end-to-end time. The bench module's JMH benchmarks can call {@link #run} directly.
 *
 * <pre>
 * java -cp ... lookm.accelerated.tools.StageTimer [device=cpu] [policy=lookm] [T=4096] [heads=32] [dim=128] [repeats=3]
 * </pre>
 */
public final class StageTimer {
    private static final double NANOS = 1e9;

    private StageTimer() {}

    /** Seconds per stage of one run. */
    public record StageTimes(double score, double select, double merge) {
        public double total() { return score + select + merge; }

        @Override public String toString() {
            return String.format(Locale.ROOT, "score %.3f s, select %.3f s, merge+gather %.3f s, total %.3f s", score, select, merge, total());
        }
    }

    /** The result of one timed run. */
    public record Timed(Scores scores, Selection selection, CompressedLayer layer, StageTimes times) {}

    /** Runs the compressor once ({@link Compressor#run}), with its stage times in seconds. */
    public static Timed run(Compressor compressor, KvBlock block, Observation observation, Budget budget) {
        Compressor.Stages s = compressor.run(block, observation, budget);
        return new Timed(s.scores(), s.selection(), s.layer(),
                new StageTimes(s.scoreNanos() / NANOS, s.selectNanos() / NANOS, s.mergeNanos() / NANOS));
    }

    /** The per-stage median over {@code repeats} runs (after the caller's warm-up). */
    public static StageTimes median(Compressor compressor, KvBlock block, Observation observation, Budget budget, int repeats) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, was " + repeats);
        double[] score = new double[repeats], select = new double[repeats], merge = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            StageTimes t = run(compressor, block, observation, budget).times();
            score[i] = t.score();
            select[i] = t.select();
            merge[i] = t.merge();
        }
        return new StageTimes(median(score), median(select), median(merge));
    }

    /** The fastest of {@code repeats} runs (by total), after the caller's warm-up: the least disturbed by other load. */
    public static StageTimes best(Compressor compressor, KvBlock block, Observation observation, Budget budget, int repeats) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1, was " + repeats);
        StageTimes best = null;
        for (int i = 0; i < repeats; i++) {
            StageTimes t = run(compressor, block, observation, budget).times();
            if (best == null || t.total() < best.total()) best = t;
        }
        return best;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "cpu";
        PolicySpec policy = Policies.named(args.length > 1 ? args[1] : "lookm").withScoreSource(ScoreSource.RECOMPUTED);
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : SyntheticLayer.LLAVA_TOKENS;
        int heads = args.length > 3 ? Integer.parseInt(args[3]) : SyntheticLayer.LLAVA_HEADS;
        int dim = args.length > 4 ? Integer.parseInt(args[4]) : SyntheticLayer.LLAVA_HEAD_DIM;
        int repeats = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        SyntheticLayer layer = SyntheticLayer.llava(heads, tokens, dim, SyntheticLayer.SEED);
        Budget budget = Budget.ratios(SyntheticLayer.RATIO, SyntheticLayer.RATIO);
        try (OpenClBackend backend = OpenClBackend.open(device)) {
            System.out.println("device: " + backend.device());
            System.out.println("layer: H=" + heads + " T=" + tokens + " D=" + dim + " " + layer.block().layout() + ", policy " + policy.name()
                    + " (" + policy.parameters() + "), budget " + budget);
            Compressor c = backend.compressor(policy);
            System.out.println("first run (kernel builds included): " + run(c, layer.block(), layer.observation(), budget).times());
            System.out.println("median of " + repeats + ": " + median(c, layer.block(), layer.observation(), budget, repeats));
            System.out.println("best of " + repeats + ":   " + best(c, layer.block(), layer.observation(), budget, repeats));
        }
    }
}
