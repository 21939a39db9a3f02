package lookm.properties.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import lookm.properties.gen.Draw;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Observation;

/**
 * A stateful scenario (property 8): a single-KV-head cache grown by text runs, images and decode steps, compressed by
 * registered policies at random points. Prints as a numbered script; shrinks to fewer, shorter steps.
 *
 * @param groupSize query heads per KV head (GQA)
 * @param dataSeed  seed of every K/V row and attention row the steps append
 */
public record CacheScript(int groupSize, int headDim, long dataSeed, List<Step> steps) {
    /** Most steps of a script. */
    public static final int MAX_STEPS = 12;
    /** Longest text run or image appended by one step. */
    public static final int MAX_RUN = 8;
    /** Head dims a script uses (1 and odd sizes on purpose). */
    public static final List<Integer> HEAD_DIMS = List.of(1, 2, 3, 5, 8);

    /** One step of the script. */
    public sealed interface Step {}

    /** Appends a text run (a prompt segment). */
    public record AppendText(int tokens) implements Step {
        @Override public String toString() { return "text(" + tokens + ")"; }
    }

    /** Appends one image of {@code tokens} patches. */
    public record AppendImage(int tokens) implements Step {
        @Override public String toString() { return "image(" + tokens + ")"; }
    }

    /** One generated token (text) appended by decoding. */
    public record Decode() implements Step {
        @Override public String toString() { return "decode()"; }
    }

    /** Compresses the cache with a registered policy under a budget; on an empty cache (budget 0 before) it does nothing. */
    public record Compress(String policy, Budget budget) implements Step {
        @Override public String toString() { return "compress(" + policy + ", " + budget + ")"; }
    }

    /**
     * Policies a script compresses with: those whose scores need only the recorded attention or nothing (window
     * scorers need the prefill queries of contiguous positions, which a compressed cache no longer has).
     */
    public static List<String> policies() {
        List<String> out = new ArrayList<>();
        for (PolicySpec p : Policies.all())
            if (Set.of(Observation.Part.ACCUMULATED_ATTENTION).containsAll(p.score().needs()))
                out.add(p.name());
        return out;
    }

    /** Scripts that start with a text run; later steps are any of the four, compressions a quarter of the time. */
    public static Draw<CacheScript> draw() {
        List<String> policies = policies();
        return s -> {
            int group = s.intBetween(1, 2), dim = s.pick(HEAD_DIMS);
            long seed = s.between(0, Integer.MAX_VALUE, 0);
            List<Step> steps = new ArrayList<>();
            steps.add(new AppendText(s.intBetween(1, MAX_RUN)));
            int count = s.intBetween(1, MAX_STEPS);
            for (int i = 1; i < count; i++)
                steps.add(switch (s.intBetween(0, 3)) {
                    case 0 -> new Compress(s.pick(policies), s.percent(70) ? Budget.counts(s.intBetween(0, MAX_RUN), s.intBetween(0, MAX_RUN / 2))
                            : Budget.ratios(s.intBetween(0, 8) / 8.0, s.intBetween(0, 4) / 8.0));
                    case 1 -> new AppendImage(s.intBetween(1, MAX_RUN));
                    case 2 -> new Decode();
                    default -> new AppendText(s.intBetween(1, MAX_RUN));
                });
            return new CacheScript(group, dim, seed, steps);
        };
    }

    /** The script up to and including step {@code last} (1-based), one numbered line per step. */
    public String render(int last) {
        StringBuilder s = new StringBuilder("cache = new Cache(kvHeads=1, queryHeads=" + groupSize + ", headDim=" + headDim + ", dataSeed=" + dataSeed + ")\n");
        for (int i = 0; i < Math.min(last, steps.size()); i++) s.append("  ").append(i + 1).append(". cache.").append(steps.get(i)).append('\n');
        return s.toString();
    }

    @Override public String toString() { return render(steps.size()); }
}
