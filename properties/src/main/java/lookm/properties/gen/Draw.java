package lookm.properties.gen;

import java.util.function.Function;

/**
 * A generator as a plain function of a {@link Source}: no property library in sight. Compose with
 * {@link #map} and {@link #flatMap}; draw the shape first, then data of that shape.
 */
@FunctionalInterface
public interface Draw<T> {
    T draw(Source source);

    default <R> Draw<R> map(Function<? super T, ? extends R> f) { return s -> f.apply(draw(s)); }

    default <R> Draw<R> flatMap(Function<? super T, ? extends Draw<? extends R>> f) { return s -> f.apply(draw(s)).draw(s); }

    /** Draws once from a seed, without shrinking (examples, benchmarks, tests of the generators). */
    default T sample(long seed) { return draw(Source.of(seed)); }
}
