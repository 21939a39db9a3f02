package lookm.traces.kvpress;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.Budget;

/**
 * One run of a kvpress golden case: a press with its config at one compression ratio, and where kvpress's outputs
 * are. {@link #policy()} maps it to the project's policy that reproduces it.
 */
public final class KvpressRun {
    /** Presses that belong to the budget-allocation stage, not to a scorer, with why. */
    public static final Map<String, String> ALLOCATION_PRESSES = Map.of(
            "AdaKVPress", "head-adaptive budget allocation: an allocation stage, checked on these runs by properties' KvpressAllocationGoldenTest (both backends)",
            "PyramidKVPress", "layer-adaptive budget allocation: an allocation stage, checked on these runs by properties' KvpressAllocationGoldenTest (both backends)");
    private static final Pattern INNER_SNAPKV = Pattern.compile("SnapKVPress\\(window_size=(\\d+), kernel_size=(\\d+)\\)");

    private final KvpressCase owner;
    private final Map<String, Object> run;
    private final String id;

    KvpressRun(KvpressCase owner, Map<String, Object> run) {
        this.owner = owner;
        this.run = run;
        this.id = owner.name() + " " + Json.string(run, "id", owner.name());
    }

    /** "case press/budget". */
    public String id() { return id; }

    public String press() { return Json.string(run, "press", id); }

    /** kvpress's count n = int(T(1 − cr)) as the run recorded it (per head; AdaKV: the mean). */
    public int keptCount() { return Json.integer(run, "n_kept", id); }

    /** kvpress's budget for this run. */
    public Budget budget() { return Budget.compressionRatio(Json.number(run, "compression_ratio", id)); }

    /** Path (relative to the case folder) of a file the run names: "score", "kept", "V_merged", "evicted", "merge_target", … */
    public String file(String key) { return Json.string(run, key, id); }

    public boolean has(String key) { return run.containsKey(key); }

    /** Per KV head the run flags ambiguous (a tie straddles the cut: torch's order decided), the cut score. */
    public Map<Integer, Float> ambiguousCuts() {
        Map<Integer, Float> out = new HashMap<>();
        Object check = run.get("selection_check");
        if (check == null) return out;
        Object heads = Json.object(check, id + " selection_check").get("ambiguous_heads");
        if (heads == null) return out;
        for (Object a : Json.array(heads, id + " ambiguous_heads")) {
            Map<String, Object> head = Json.object(a, id + " ambiguous head");
            out.put(Json.integer(head, "head", id), (float) Json.number(head, "cut_score", id));
        }
        return out;
    }

    /** Why the run is not a scorer of the parity suite (the allocation presses), or null. */
    public String notAScorer() {
        String why = ALLOCATION_PRESSES.get(press());
        return why == null ? null : press() + " is " + why + ", not a scorer";
    }

    /**
     * The project's policy reproducing the run (its press and config).
     *
     * @throws IllegalStateException for the allocation presses ({@link #notAScorer()}) and for a press or configuration
     *                               nothing here reproduces, naming the run
     */
    public PolicySpec policy() {
        String press = press();
        Map<String, Object> config = Json.object(run.get("config"), id + " config");
        MergeSpec drop = new MergeSpec.Drop();
        ScoreSpec score = switch (press) {
            case "SnapKVPress" -> new ScoreSpec.KvpressSnapKv(Json.integer(config, "window_size", id), Json.integer(config, "kernel_size", id));
            case "StreamingLLMPress" -> null;
            case "ObservedAttentionPress" -> new ScoreSpec.ObservedAttention(ScoreSource.RECORDED);
            case "KnormPress" -> new ScoreSpec.KeyNorm();
            case "TOVAPress" -> new ScoreSpec.Tova();
            case "KeyDiffPress" -> new ScoreSpec.KeyDiff();
            case "LagKVPress" -> {
                require(!Boolean.TRUE.equals(config.get("cross_scoring")), "cross_scoring=True is not reproduced", config);
                yield new ScoreSpec.LagKv(Json.integer(config, "n_sink", id), Json.integer(config, "lag_size", id));
            }
            case "CURPress" -> {
                require("kv_product".equals(config.get("leverage_type")) && Boolean.FALSE.equals(config.get("use_random_leverage"))
                        && Boolean.TRUE.equals(config.get("use_local_approximation")),
                        "only leverage_type=kv_product, no random leverage, local approximation", config);
                yield new ScoreSpec.Cur(Json.integer(config, "num_sinks", id), Json.integer(config, "local_window_size", id));
            }
            case "MergingPress" -> null;
            default -> throw new IllegalStateException(id + ": " + (notAScorer() != null ? notAScorer() : "no policy reproduces kvpress " + press + " " + config));
        };
        String name = "kvpress-" + press.toLowerCase(Locale.ROOT);
        if (press.equals("StreamingLLMPress"))
            return new PolicySpec(name, "", new ScoreSpec.None(), new SelectSpec.Streaming(Json.integer(config, "n_sink", id)), drop, press);
        if (press.equals("MergingPress")) {
            Matcher m = INNER_SNAPKV.matcher(Json.string(config, "press", id));
            require(m.matches(), "only MergingPress over SnapKVPress", config);
            require(Json.number(config, "merge_fraction", id) == 1.0, "only merge_fraction = 1", config);
            return new PolicySpec(name, "", new ScoreSpec.KvpressSnapKv(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))),
                    Policies.KVPRESS_TOP_N, new MergeSpec.ValueMerge(Json.number(config, "similarity_threshold", id)), press);
        }
        return new PolicySpec(name, "", score, Policies.KVPRESS_TOP_N, drop, press);
    }

    private void require(boolean ok, String what, Map<String, Object> config) {
        if (!ok) throw new IllegalStateException(id + ": " + what + " (config " + config + ")");
    }

    public KvpressCase owner() { return owner; }

    @Override public String toString() { return id; }
}
