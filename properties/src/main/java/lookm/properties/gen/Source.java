package lookm.properties.gen;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded source of choices, the only thing generators draw from. Every draw names the value it shrinks
 * towards, so a property library that shrinks by replaying smaller choices (QuickTheories does) turns a failing
 * case into a small, readable one. Library-neutral: {@link #of(long)} runs without any property library.
 */
public interface Source {
    /**
     * A value in [min, max] that shrinks towards {@code shrinkTo}.
     *
     * @param shrinkTo the simplest value, in [min, max]
     */
    long between(long min, long max, long shrinkTo);

    /** An int in [min, max], shrinking to {@code min}. */
    default int intBetween(int min, int max) { return (int) between(min, max, min); }

    /** True with probability {@code percent}/100; shrinks to false. */
    default boolean percent(int percent) { return between(0, 99, 99) < percent; }

    /** One of {@code options}, shrinking to the first. */
    default <T> T pick(List<T> options) { return options.get(intBetween(0, options.size() - 1)); }

    /** A multiple of 2^-fractionBits in [-bound, bound], shrinking to 0 (exact in float32 for small bounds). */
    default float signedGrid(int bound, int fractionBits) {
        long steps = (long) bound << fractionBits;
        return (float) (between(-steps, steps, 0) / (double) (1L << fractionBits));
    }

    /** A multiple of 2^-fractionBits in [0, bound], shrinking to 0. */
    default float unsignedGrid(int bound, int fractionBits) {
        long steps = (long) bound << fractionBits;
        return (float) (between(0, steps, 0) / (double) (1L << fractionBits));
    }

    /**
     * A source for bulk data (keys, values, scores, queries), seeded by one draw from this source. Property libraries
     * shrink by editing one recorded choice at a time, so thousands of data draws would hide the few structural ones
     * (shape, layout, budget) from the shrinker; drawing bulk data from one seed keeps the structure shrinkable.
     */
    default Source bulk() { return of(between(0, Integer.MAX_VALUE, 0)); }

    /** A source backed by {@link SplittableRandom}: uniform draws, no shrinking. For plain loops and benchmarks. */
    static Source of(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return (min, max, shrinkTo) -> {
            if (min > max) throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
            return random.nextLong(min, Math.addExact(max, 1));      // generators draw small ranges only
        };
    }
}
