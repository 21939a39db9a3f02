package lookm.properties.qt;

import java.util.List;
import java.util.function.Consumer;
import lookm.properties.gen.Draw;
import lookm.properties.gen.Source;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.AsString;
import org.quicktheories.core.Configuration;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.core.Reporter;
import org.quicktheories.core.Strategy;
import org.quicktheories.impl.Constraint;

/**
 * The one adapter between the library-neutral generators ({@link Draw} over a {@link Source}) and QuickTheories:
 * a draw becomes a {@link Gen} whose every choice goes through QuickTheories' {@link RandomnessSource} (so it
 * shrinks), and every property runs with the configured number of examples and seed and, when it fails, reports the
 * smallest case, its seed and the Maven command that replays it.
 *
 * <p>Configuration (system properties, set from the command line or the POM):
 * <ul>
 *   <li>{@value #EXAMPLES_PROPERTY}: base number of examples per property (default {@value #DEFAULT_EXAMPLES});
 *       each property runs a fixed multiple of it;</li>
 *   <li>{@value #SEED_PROPERTY}: the seed of every property, or {@value #RANDOM_SEED} for a fresh one per run;</li>
 *   <li>{@value #SHRINKS_PROPERTY}: shrink cycles after a failure (default {@value #DEFAULT_SHRINKS}).</li>
 * </ul>
 */
public final class Theories {
    public static final String EXAMPLES_PROPERTY = "lookm.examples";
    public static final String SEED_PROPERTY = "lookm.seed";
    public static final String SHRINKS_PROPERTY = "lookm.shrinks";
    public static final int DEFAULT_EXAMPLES = 300;
    public static final int DEFAULT_SHRINKS = 200;
    /** Value of {@value #SEED_PROPERTY} asking for a fresh seed (printed on failure). */
    public static final String RANDOM_SEED = "random";
    /** The build's pinned seed when the property is absent (the POM pins it too). */
    public static final long DEFAULT_SEED = 2406_18139L;
    /** How the replay command addresses this module. */
    static final String MODULE = "properties";

    private Theories() {}

    /** {@code draw} as a QuickTheories generator that prints values with {@code toString()}. */
    public static <T> Gen<T> gen(Draw<T> draw) {
        Gen<T> g = in -> draw.draw(new QtSource(in));
        return g.describedAs(String::valueOf);
    }

    /** Base examples times {@code scale}, at least one. */
    public static int examples(double scale) {
        return Math.max(1, (int) Math.round(baseExamples() * scale));
    }

    /** Base examples from {@value #EXAMPLES_PROPERTY}. */
    public static int baseExamples() {
        return Integer.getInteger(EXAMPLES_PROPERTY, DEFAULT_EXAMPLES);
    }

    /** The seed every property uses in this run. */
    public static long seed() {
        String s = System.getProperty(SEED_PROPERTY);
        if (s == null || s.isBlank()) return DEFAULT_SEED;
        if (s.equals(RANDOM_SEED)) return RunSeed.VALUE;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SEED_PROPERTY + " must be a long or '" + RANDOM_SEED + "', was '" + s + "'", e);
        }
    }

    /** QuickTheories configured with {@link #examples(double)}, {@link #seed()} and the replay reporter. */
    public static QuickTheory qt(double scale) {
        int examples = examples(scale);
        Strategy strategy = Configuration.systemStrategy()
                .withFixedSeed(seed())
                .withExamples(examples)
                .withShrinkCycles(Integer.getInteger(SHRINKS_PROPERTY, DEFAULT_SHRINKS))
                .withReporter(new ReplayReporter(ReplayExtension.currentTest()));
        return QuickTheory.qt(() -> strategy);
    }

    /** Checks {@code property} on {@code examples(scale)} cases drawn by {@code draw}; fails with the replay message. */
    public static <T> void check(double scale, Draw<T> draw, Consumer<T> property) {
        qt(scale).forAll(gen(draw)).checkAssert(property);
    }

    /** The Maven command that reruns a test with a seed. */
    public static String replayCommand(String test, long seed) {
        return "mvn -o -q -pl " + MODULE + " test -Dtest='" + test + "' -D" + SEED_PROPERTY + "=" + seed
                + " -D" + EXAMPLES_PROPERTY + "=" + baseExamples();
    }

    /** Fresh seed of this JVM when {@value #RANDOM_SEED} is asked for: one per run, so the replay line is exact. */
    private static final class RunSeed {
        static final long VALUE = System.nanoTime();
    }

    /** Every draw becomes a QuickTheories constraint with its shrink point. */
    private record QtSource(RandomnessSource in) implements Source {
        @Override public long between(long min, long max, long shrinkTo) {
            return in.next(Constraint.between(min, max).withShrinkPoint(shrinkTo));
        }
    }

    /** Formats a falsification as: smallest case, cause, seed, replay command. */
    private record ReplayReporter(String test) implements Reporter {
        @Override public void falisification(long seed, int examples, Object smallest, Throwable cause, List<Object> others, AsString<Object> show) {
            throw failure(seed, examples, smallest, cause, others.size(), show);
        }

        @Override public void falisification(long seed, int examples, Object smallest, List<Object> others, AsString<Object> show) {
            throw failure(seed, examples, smallest, null, others.size(), show);
        }

        @Override public void valuesExhausted(int examples) {
            throw new IllegalStateException("gave up after finding only " + examples + " example(s) matching the assumptions");
        }

        private AssertionError failure(long seed, int examples, Object smallest, Throwable cause, int others, AsString<Object> show) {
            String message = "Property falsified after " + examples + " example(s)"
                    + (cause != null ? ": " + cause.getMessage() : "") + System.lineSeparator()
                    + "Smallest falsifying case (" + others + " other falsifying case(s) found while shrinking):" + System.lineSeparator()
                    + show.asString(smallest) + System.lineSeparator()
                    + "Seed: " + seed + System.lineSeparator()
                    + "Replay: " + replayCommand(test, seed);
            AssertionError error = new AssertionError(message);
            if (cause != null) error.initCause(cause);
            return error;
        }
    }
}
