package lookm.spec.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    /** kvpress's SnapKVPress defaults (NVIDIA/kvpress @ 8bb29b9): a 64-query window, avg pool 5, group mean. */
    public static final int KVPRESS_SNAPKV_WINDOW = 64;
    public static final int KVPRESS_SNAPKV_KERNEL = 5;
    /** What kvpress adds to the largest score to pad the positions it always keeps (SnapKV window, TOVA's last token). */
    public static final float KVPRESS_PAD_ABOVE_MAX = 1f;
    /** The score kvpress gives the positions LagKV and CUR always keep (sinks, LagKV's tail). */
    public static final float KVPRESS_PROTECTED_SCORE = 1f;
    /** kvpress's default sinks of LagKVPress (n_sink) and CURPress (num_sinks). */
    public static final int KVPRESS_SINKS = 4;
    /** LagKVPress's default partition length (lag_size). */
    public static final int KVPRESS_LAGKV_LAG = 128;
    /** CURPress's default local window (local_window_size). */
    public static final int KVPRESS_CUR_LOCAL_WINDOW = 16;
    /** MergingPress's default similarity threshold. */
    public static final double KVPRESS_MERGE_THRESHOLD = 0.0;
    /**
     * kvpress's selection: a plain top-n per KV head (no window, no sinks; what kvpress always keeps is in the scores'
     * pads). TopK with a window of 0 positions and no sinks.
     */
    public static final SelectSpec KVPRESS_TOP_N = new SelectSpec.TopK(0, new Window.Fixed(0));
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
                        new ScoreSpec.HindsightOracle(), h2o, drop, ""),
                new PolicySpec("kvpress-snapkv", "kvpress SnapKV: window 64, avg pool 5, mean over window and group; window padded max+1; top-n",
                        new ScoreSpec.KvpressSnapKv(KVPRESS_SNAPKV_WINDOW, KVPRESS_SNAPKV_KERNEL), KVPRESS_TOP_N, drop,
                        "kvpress SnapKVPress(window_size=64, kernel_size=5)"),
                new PolicySpec("kvpress-observed-attention", "kvpress ObservedAttention: column sums / (T-j), group mean; top-n, no window",
                        new ScoreSpec.ObservedAttention(ScoreSource.RECORDED), KVPRESS_TOP_N, drop, "kvpress ObservedAttentionPress"),
                new PolicySpec("kvpress-knorm", "kvpress Knorm: keeps the n smallest key norms (score -|k|)",
                        new ScoreSpec.KeyNorm(), KVPRESS_TOP_N, drop, "kvpress KnormPress"),
                new PolicySpec("kvpress-tova", "kvpress TOVA: last query's attention, mean over all query heads; last token padded max+1",
                        new ScoreSpec.Tova(), KVPRESS_TOP_N, drop, "kvpress TOVAPress"),
                new PolicySpec("kvpress-keydiff", "kvpress KeyDiff: keeps keys least cosine-aligned with the mean normalised key",
                        new ScoreSpec.KeyDiff(), KVPRESS_TOP_N, drop, "kvpress KeyDiffPress"),
                new PolicySpec("kvpress-lagkv", "kvpress LagKV: 4 sinks, lag 128, partition ranks vs the next partition's min/max",
                        new ScoreSpec.LagKv(KVPRESS_SINKS, KVPRESS_LAGKV_LAG), KVPRESS_TOP_N, drop,
                        "kvpress LagKVPress(n_sink=4, lag_size=128, cross_scoring=False)"),
                new PolicySpec("kvpress-cur", "kvpress CUR: local (16) key x value leverage product, 4 sinks",
                        new ScoreSpec.Cur(KVPRESS_SINKS, KVPRESS_CUR_LOCAL_WINDOW), KVPRESS_TOP_N, drop,
                        "kvpress CURPress(num_sinks=4, leverage_type=kv_product, local_window_size=16)"),
                new PolicySpec("kvpress-merging-snapkv", "kvpress MergingPress over SnapKV(64, 5): evicted values folded into the most similar kept; keys unchanged",
                        new ScoreSpec.KvpressSnapKv(KVPRESS_SNAPKV_WINDOW, KVPRESS_SNAPKV_KERNEL), KVPRESS_TOP_N,
                        new MergeSpec.ValueMerge(KVPRESS_MERGE_THRESHOLD),
                        "kvpress MergingPress(press=SnapKVPress(64, 5), similarity_threshold=0.0, merge_fraction=1.0)"));
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
