package lookm.bench.timing;

import java.util.Arrays;
import lookm.spec.policy.Compressor;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;

/**
 * Wall-clock times of each stage (score, select, merge) and of the whole compression, after warmup: the median and
 * the minimum over the repetitions, in milliseconds. Every stage returns host arrays, so a device's transfers and
 * its queue's completion are inside the timed region.
 */
public record StageTimes(Stat score, Stat select, Stat merge, Stat total) {
    /** Median and minimum in ms. */
    public record Stat(double medianMs, double minMs) {
        static Stat of(long[] nanos) {
            long[] s = nanos.clone();
            Arrays.sort(s);
            double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
            return new Stat(median / 1e6, s[0] / 1e6);
        }
    }

    /** Times {@code compressor} on one layer: {@code warmup} untimed rounds, then {@code repetitions} timed ones. */
    public static StageTimes measure(Compressor compressor, KvBlock block, Observation observation, Budget budget, int warmup, int repetitions) {
        if (warmup < 0 || repetitions < 1)
            throw new IllegalArgumentException("--warmup must be >= 0 and --repetitions >= 1, were " + warmup + " and " + repetitions);
        long[] score = new long[repetitions], select = new long[repetitions], merge = new long[repetitions], total = new long[repetitions];
        for (int i = -warmup; i < repetitions; i++) {
            long t0 = System.nanoTime();
            Scores s = compressor.scorer().score(block, observation, budget);
            long t1 = System.nanoTime();
            Selection kept = compressor.selector().select(s, block.layout(), budget);
            long t2 = System.nanoTime();
            Object merged = compressor.merger().merge(block, kept);
            long t3 = System.nanoTime();
            Object whole = compressor.compress(block, observation, budget);
            long t4 = System.nanoTime();
            if (merged == null || whole == null) throw new IllegalStateException("a stage returned null");
            if (i >= 0) {
                score[i] = t1 - t0;
                select[i] = t2 - t1;
                merge[i] = t3 - t2;
                total[i] = t4 - t3;
            }
        }
        return new StageTimes(Stat.of(score), Stat.of(select), Stat.of(merge), Stat.of(total));
    }
}
