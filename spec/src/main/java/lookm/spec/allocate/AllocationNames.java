package lookm.spec.allocate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.spec.policy.AllocateSpec;

/**
 * Allocations by name, as the CLI and reports write them: {@code uniform}, {@code adakv(alpha=0.2)},
 * {@code pyramidkv(window=64,beta=20)}, {@code layer-ratios(0.3,0.2,0.1)}, {@code vlcache(threshold=0.01)}, {@code meda} (= {@code meda(cross=1)}; {@code cross=0}: all positions).
 * Parameters are optional and default to the values their papers (or kvpress) use.
 */
public final class AllocationNames {
    /** kvpress {@code AdaKVPress.alpha_safeguard}. */
    public static final double ADAKV_ALPHA = 0.2;
    /** kvpress {@code PyramidKVPress}: window_size and beta. */
    public static final int PYRAMID_WINDOW = 64;
    public static final double PYRAMID_BETA = 20;
    /** VL-Cache's sparsity threshold: a probability below 1 % of its row's maximum counts as sparse. */
    public static final double VLCACHE_THRESHOLD = 0.01;
    /** The names {@link #parse} accepts. */
    public static final List<String> NAMES = List.of("uniform", "adakv", "pyramidkv", "layer-ratios", "vlcache", "meda");

    private AllocationNames() {}

    /** @throws IllegalArgumentException naming the text and what was expected */
    public static AllocateSpec parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("allocation must not be empty; one of " + NAMES);
        String t = text.trim();
        int open = t.indexOf('(');
        if (open >= 0 && !t.endsWith(")")) throw new IllegalArgumentException("allocation '" + text + "': missing ')'");
        String name = open < 0 ? t : t.substring(0, open).trim();
        String args = open < 0 ? "" : t.substring(open + 1, t.length() - 1).trim();
        try {
            return switch (name) {
                case "uniform" -> none(name, args, new AllocateSpec.Uniform());
                case "meda" -> {
                    double cross = named(name, args, List.of("cross")).getOrDefault("cross", 1.0);
                    if (cross != 0 && cross != 1) throw new IllegalArgumentException("cross must be 1 (image positions) or 0 (all), was " + cross);
                    yield new AllocateSpec.EntropyAware(cross == 1);
                }
                case "adakv" -> {
                    Map<String, Double> p = named(name, args, List.of("alpha"));
                    yield new AllocateSpec.HeadAdaptive(p.getOrDefault("alpha", ADAKV_ALPHA));
                }
                case "pyramidkv" -> {
                    Map<String, Double> p = named(name, args, List.of("window", "beta"));
                    double window = p.getOrDefault("window", (double) PYRAMID_WINDOW);
                    if (window != Math.rint(window)) throw new IllegalArgumentException("window must be an integer, was " + window);
                    yield new AllocateSpec.Pyramid((int) window, p.getOrDefault("beta", PYRAMID_BETA));
                }
                case "vlcache" -> new AllocateSpec.SparsityAware(named(name, args, List.of("threshold")).getOrDefault("threshold", VLCACHE_THRESHOLD));
                case "layer-ratios" -> {
                    List<Double> ratios = new ArrayList<>();
                    if (!args.isEmpty()) for (String r : args.split(",")) ratios.add(Double.parseDouble(r.trim()));
                    yield new AllocateSpec.LayerRatios(ratios);
                }
                default -> throw new IllegalArgumentException("unknown allocation '" + name + "'; known: " + String.join(", ", NAMES));
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("allocation '" + text + "': not a number: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("allocation '")) throw e;
            throw new IllegalArgumentException("allocation '" + text + "': " + e.getMessage(), e);
        }
    }

    private static AllocateSpec none(String name, String args, AllocateSpec spec) {
        if (!args.isEmpty()) throw new IllegalArgumentException(name + " takes no parameters");
        return spec;
    }

    private static Map<String, Double> named(String name, String args, List<String> keys) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (args.isEmpty()) return out;
        for (String part : args.split(",")) {
            String[] kv = part.split("=", 2);
            String key = kv[0].trim();
            if (kv.length != 2 || !keys.contains(key)) throw new IllegalArgumentException(name + " takes " + keys + " as key=value, got '" + part.trim() + "'");
            if (out.put(key, Double.parseDouble(kv[1].trim())) != null) throw new IllegalArgumentException(name + ": " + key + " given twice");
        }
        return out;
    }
}
