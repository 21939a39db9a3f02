package lookm.bench.timing;

import java.util.Arrays;
import lookm.spec.policy.Compressor;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;

/**
 * Wall-clock times of each stage (score, select, merge) and of the whole compression, after warmup: the median and
 * the minimum over the repetitions, in milliseconds, from {@link Compressor#run} (the total is the sum of the stages of
 * the same run). Every stage returns host arrays, so a device's transfers and
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
            Compressor.Stages stages = compressor.run(block, observation, budget);
            if (i >= 0) {
                score[i] = stages.scoreNanos();
                select[i] = stages.selectNanos();
                merge[i] = stages.mergeNanos();
                total[i] = stages.totalNanos();
            }
        }
        return new StageTimes(Stat.of(score), Stat.of(select), Stat.of(merge), Stat.of(total));
    }
}
