package lookm.spec.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.spec.tensor.ScorePrecision;

/**
 * The one registry of policies, by stable name. CLI, benchmarks, contract and equivalence suites all read it.
 * Each policy's math is in spec/SPEC.md; {@link PolicySpec#original()} names the authors' class it reproduces.
 */
public final class Policies {
    /** The released text prior's penalty Λ (added as −Λ to image and window scores, in float32). */
    public static final float TEXT_PRIOR_PENALTY = 65516f;
    /** Sinks the original H2O + merge classes force to be kept (score +∞ on the first 4 positions). */
    public static final int ORIGINAL_MERGE_SINKS = 4;
    /** StreamingLLM's usual number of attention sinks (Xiao et al. 2023). */
    public static final int STREAMING_SINKS = 4;
    /** SnapKV pooling kernel in the original code (avg_pool1d, k = 5, zero padding). */
    public static final int ORIGINAL_SNAPKV_KERNEL = 5;
    /** SnapKV as commonly configured (its LongBench setting): a 32-query window, max pool of 7. */
    public static final int COMMON_SNAPKV_WINDOW = 32;
    public static final int COMMON_SNAPKV_KERNEL = 7;
    /** Seed of the registered random policy. */
    public static final long RANDOM_SEED = 0L;

    private static final Map<String, PolicySpec> REGISTRY = build();

    private Policies() {}

    private static Map<String, PolicySpec> build() {
        ScoreSpec attention = new ScoreSpec.AccumulatedAttention(ScoreSource.RECORDED);
        SelectSpec h2o = new SelectSpec.TopK(0, new Window.BudgetRecent());
        SelectSpec h2oSinks = new SelectSpec.TopK(ORIGINAL_MERGE_SINKS, new Window.BudgetRecent());
        SelectSpec released = new SelectSpec.TextPrior(TextPriorMode.RELEASED);
        SelectSpec budgeted = new SelectSpec.TextPrior(TextPriorMode.BUDGETED);
        MergeSpec drop = new MergeSpec.Drop(), pivot = new MergeSpec.Pivot();
        MergeSpec average = new MergeSpec.Average(AveragePairing.CORRECT, true);
        MergeSpec averageReleased = new MergeSpec.Average(AveragePairing.RELEASED_MISPAIRED, true);
        MergeSpec weighted = new MergeSpec.Weighted(true);
        List<PolicySpec> all = List.of(
                new PolicySpec("full", "full cache: keep every token (the fidelity reference)",
                        new ScoreSpec.None(), new SelectSpec.KeepAll(), drop, "origin"),
                new PolicySpec("lookm", "LOOK-M TP+P-Merge: released text prior (all text kept) + pivot merge; the authors' default",
                        attention, released, pivot, "TextPivotMerge_LayerWise (text_prior_pivot_merge)"),
                new PolicySpec("lookm-bf16", "LOOK-M TP+P-Merge with bfloat16 scores (torch CPU autocast, or a bf16 model): the penalty becomes -65536 and small image scores tie",
                        new ScoreSpec.AccumulatedAttention(ScoreSource.RECORDED, ScorePrecision.BF16), released, pivot,
                        "TextPivotMerge_LayerWise under torch.autocast(cpu, bfloat16)"),
                new PolicySpec("lookm-budgeted", "LOOK-M TP+P-Merge as the paper states: text first, exactly N+R kept, pivot merge",
                        attention, budgeted, pivot, ""),
                new PolicySpec("tp-drop", "text prior (released), evicted tokens dropped",
                        attention, released, drop, "TextH2OKVCache_LayerWise (text_prior_h2o; effective MeanH2OKVCache_LayerWise)"),
                new PolicySpec("tp-budgeted-drop", "text prior (budgeted, exactly N+R), evicted tokens dropped",
                        attention, budgeted, drop, ""),
                new PolicySpec("tp-average", "text prior (released) + average merge, correct pairing, mean-similarity filter",
                        attention, released, average, ""),
                new PolicySpec("tp-average-released", "text prior (released) + average merge with the released code's mis-pairing",
                        attention, released, averageReleased, "TextAVGMergeKVCache_LayerWise (text_prior_avg_merge)"),
                new PolicySpec("tp-weighted", "text prior (released) + weighted merge with the released mean-similarity filter",
                        attention, released, weighted, "TextWeightedMerge_LayerWise (text_prior_weighted_merge)"),
                new PolicySpec("h2o", "H2O: top-N accumulated attention over the first T-R + recent R, dropped (no sinks)",
                        attention, h2o, drop, "H2OKVCache_LayerWise (h2o)"),
                new PolicySpec("h2o-pivot", "H2O selection with 4 sinks + pivot merge (paper: P-Merge)",
                        attention, h2oSinks, pivot, "PivotKVCache_LayerWise (pivot_merge)"),
                new PolicySpec("h2o-average", "H2O selection with 4 sinks + average merge, correct pairing, filter",
                        attention, h2oSinks, average, ""),
                new PolicySpec("h2o-average-released", "H2O selection with 4 sinks + average merge with the released mis-pairing (paper: A-Merge)",
                        attention, h2oSinks, averageReleased, "AVGMergeKVCache_LayerWise (avg_merge)"),
                new PolicySpec("h2o-weighted", "H2O selection with 4 sinks + weighted merge with the released filter (paper: W-Merge)",
                        attention, h2oSinks, weighted, "WeightedMergeKVCache_LayerWise (weighted_merge)"),
                new PolicySpec("snapkv", "SnapKV as the original runs it: window W=R, avg pool 5 (zero padding), top-N + last W",
                        new ScoreSpec.WindowAttention(new Window.BudgetRecent(), Pooling.AVG, ORIGINAL_SNAPKV_KERNEL), h2o, drop,
                        "PoolingKVCache_LayerWise (snapkv)"),
                new PolicySpec("snapkv-32", "SnapKV as commonly configured: window 32, max pool 7, top-(C-32) + last 32",
                        new ScoreSpec.WindowAttention(new Window.Fixed(COMMON_SNAPKV_WINDOW), Pooling.MAX, COMMON_SNAPKV_KERNEL),
                        new SelectSpec.TopK(0, new Window.Fixed(COMMON_SNAPKV_WINDOW)), drop, ""),
                new PolicySpec("streaming-llm", "StreamingLLM: 4 attention sinks + the most recent C-4 tokens",
                        new ScoreSpec.None(), new SelectSpec.Streaming(STREAMING_SINKS), drop, ""),
                new PolicySpec("recent", "recent-only: the most recent C = N+R tokens",
                        new ScoreSpec.None(), new SelectSpec.Streaming(0), drop, ""),
                new PolicySpec("random", "random: seeded uniform N of the first T-R + recent R",
                        new ScoreSpec.Random(RANDOM_SEED), h2o, drop, ""),
                new PolicySpec("oracle", "hindsight oracle: top-N by the attention of the recorded decode probes + recent R (upper bound)",
                        new ScoreSpec.HindsightOracle(), h2o, drop, ""));
        Map<String, PolicySpec> byName = new LinkedHashMap<>();
        for (PolicySpec p : all)
            if (byName.put(p.name(), p) != null) throw new IllegalStateException("duplicate policy name " + p.name());
        return Collections.unmodifiableMap(byName);
    }

    /** Every registered policy, in registry order. */
    public static List<PolicySpec> all() { return new ArrayList<>(REGISTRY.values()); }

    /** Registered names, in registry order. */
    public static List<String> names() { return new ArrayList<>(REGISTRY.keySet()); }

    /** The policy registered under {@code name}; an unknown name lists the known ones. */
    public static PolicySpec named(String name) {
        PolicySpec p = REGISTRY.get(name);
        if (p == null) throw new IllegalArgumentException("unknown policy '" + name + "'; known: " + String.join(", ", REGISTRY.keySet()));
        return p;
    }
}
