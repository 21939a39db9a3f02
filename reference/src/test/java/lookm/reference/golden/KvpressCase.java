package lookm.reference.golden;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * One case folder of shared/golden-kvpress (runs.json + kvpress's outputs; inputs beside it or in shared/golden), read
 * as the README there describes. Test support for the kvpress parity suite.
 */
final class KvpressCase {
    /** Where the kvpress golden directory sits for a checkout (CI clones with shared/ beside the repository). */
    static final String DIRECTORY_PROPERTY = "lookm.goldenKvpress.dir";
    /** Presses that belong to the budget-allocation stage (issue 13 item 2, branch h13b), not to a scorer. */
    static final Map<String, String> ALLOCATION_PRESSES = Map.of(
            "AdaKVPress", "head-adaptive budget allocation (issue 13 item 2, branch h13b)",
            "PyramidKVPress", "layer-adaptive budget allocation (issue 13 item 2, branch h13b)");
    private static final Pattern INNER_SNAPKV = Pattern.compile("SnapKVPress\\(window_size=(\\d+), kernel_size=(\\d+)\\)");

    final Path dir;
    final String name;
    final Map<String, Object> runs;
    final int tokens, queryHeads, kvHeads, headDim;

    private KvpressCase(Path dir) {
        this.dir = dir;
        this.name = dir.getFileName().toString();
        try {
            this.runs = Json.object(Json.parse(Files.readString(dir.resolve("runs.json")), dir.resolve("runs.json").toString()), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tokens = integer(runs, "T");
        queryHeads = integer(runs, "Hq");
        kvHeads = integer(runs, "Hkv");
        headDim = integer(runs, "D");
    }

    static KvpressCase read(Path dir) { return new KvpressCase(dir); }

    static Path sharedDirectory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        for (Path p : new Path[] {configured == null ? null : Paths.get(configured), Paths.get("../../shared/golden-kvpress"),
                Paths.get("../shared/golden-kvpress")})
            if (p != null && Files.isDirectory(p)) return p.toAbsolutePath().normalize();
        return null;
    }

    List<Map<String, Object>> runList() {
        return Json.array(runs.get("runs"), name + " runs").stream().map(r -> Json.object(r, name + " run")).toList();
    }

    /** An array of this case: a path relative to the case folder. */
    Npy array(String relative) {
        Path p = dir.resolve(relative).normalize();
        try (InputStream in = Files.newInputStream(p)) {
            return Npy.read(in, p.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot read " + p, e);
        }
    }

    Npy input(String key) { return array((String) Json.object(runs.get("inputs"), name + " inputs").get(key)); }

    KvBlock block() {
        TokenLayout layout = TokenLayout.fromImageIds(input("token_image_id").ints());
        return new KvBlock(input("K").floats(), input("V").floats(), kvHeads, tokens, headDim, layout);
    }

    /** Every prefill query, and the eager column sums kvpress's ObservedAttentionPress received. */
    Observation observation() {
        Queries queries = Queries.contiguous(input("Q").floats(), queryHeads, headDim, 0, tokens);
        String colsum = (String) Json.object(runs.get("eager_attention"), name + " eager_attention").get("colsum");
        return new Observation(new AccumulatedAttention(array(colsum).floats(), queryHeads, tokens), queries, null);
    }

    /**
     * Our policy for a kvpress run (press class + config), or null with {@code why} filled for the allocation presses.
     *
     * @throws IllegalStateException for a press or configuration nothing here reproduces (fails the run visibly)
     */
    static PolicySpec policy(Map<String, Object> run, StringBuilder why) {
        String press = (String) run.get("press");
        Map<String, Object> config = Json.object(run.get("config"), run.get("id") + " config");
        MergeSpec drop = new MergeSpec.Drop();
        ScoreSpec score;
        switch (press) {
            case "SnapKVPress" -> score = new ScoreSpec.KvpressSnapKv(integer(config, "window_size"), integer(config, "kernel_size"));
            case "StreamingLLMPress" -> {
                return new PolicySpec("kvpress-streaming", "", new ScoreSpec.None(), new SelectSpec.Streaming(integer(config, "n_sink")), drop, press);
            }
            case "ObservedAttentionPress" -> score = new ScoreSpec.ObservedAttention(ScoreSource.RECORDED);
            case "KnormPress" -> score = new ScoreSpec.KeyNorm();
            case "TOVAPress" -> score = new ScoreSpec.Tova();
            case "KeyDiffPress" -> score = new ScoreSpec.KeyDiff();
            case "LagKVPress" -> {
                require(run, !(Boolean) config.get("cross_scoring"), "cross_scoring=True is not reproduced");
                score = new ScoreSpec.LagKv(integer(config, "n_sink"), integer(config, "lag_size"));
            }
            case "CURPress" -> {
                require(run, "kv_product".equals(config.get("leverage_type")) && !(Boolean) config.get("use_random_leverage")
                        && (Boolean) config.get("use_local_approximation"), "only leverage kv_product, no random leverage, local approximation");
                score = new ScoreSpec.Cur(integer(config, "num_sinks"), integer(config, "local_window_size"));
            }
            case "MergingPress" -> {
                Matcher m = INNER_SNAPKV.matcher((String) config.get("press"));
                require(run, m.matches(), "only MergingPress over SnapKVPress");
                require(run, ((Number) config.get("merge_fraction")).doubleValue() == 1.0, "only merge_fraction = 1");
                return new PolicySpec("kvpress-merging", "", new ScoreSpec.KvpressSnapKv(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))),
                        Policies.KVPRESS_TOP_N, new MergeSpec.ValueMerge(((Number) config.get("similarity_threshold")).doubleValue()), press);
            }
            default -> {
                if (ALLOCATION_PRESSES.containsKey(press)) {
                    why.append(press).append(" is ").append(ALLOCATION_PRESSES.get(press)).append(", not a scorer of this suite");
                    return null;
                }
                throw new IllegalStateException(run.get("id") + ": no policy reproduces kvpress " + press + " " + config);
            }
        }
        return new PolicySpec("kvpress-" + press.toLowerCase(java.util.Locale.ROOT), "", score, Policies.KVPRESS_TOP_N, drop, press);
    }

    private static void require(Map<String, Object> run, boolean ok, String what) {
        if (!ok) throw new IllegalStateException(run.get("id") + ": " + what + " (config " + run.get("config") + ")");
    }

    static int integer(Map<String, Object> o, String key) {
        Object v = o.get(key);
        if (!(v instanceof Number n)) throw new IllegalStateException("runs.json: '" + key + "' missing or not a number: " + v);
        return n.intValue();
    }
}
