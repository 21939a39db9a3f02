package lookm.spec.plugin;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import lookm.spec.policy.Args;
import lookm.spec.policy.Param;
import lookm.spec.tensor.Observation.Part;

/**
 * One stage a plugin adds: its expression keyword, parameters, what it reads, and its implementation per backend
 * name ({@code "reference"}, {@code "opencl"}, ...). A backend with no entry says so through
 * {@code Backend.supports} (a visible skip), never an error mid-suite.
 *
 * @param <T>      {@code Scorer}, {@code Selector} or {@code Merger}
 * @param needs    the observation parts a scorer reads (empty for selectors and mergers)
 * @param backends backend name → the stage built from checked parameter values
 */
public record CustomStage<T>(String keyword, String description, Set<Part> needs, Map<String, Function<Args, T>> backends, List<Param> params) {
    public CustomStage {
        if (keyword == null || backends == null || backends.isEmpty())
            throw new IllegalArgumentException("custom stage " + keyword + " needs a keyword and at least one backend");
        needs = Set.copyOf(needs);
        backends = Map.copyOf(backends);
        params = List.copyOf(params);
        if (description == null) description = "";
    }

    /** A stage implemented on the reference backend only. */
    public static <T> CustomStage<T> reference(String keyword, String description, Set<Part> needs, Function<Args, T> build, Param... params) {
        return new CustomStage<>(keyword, description, needs, Map.of("reference", build), List.of(params));
    }
}
