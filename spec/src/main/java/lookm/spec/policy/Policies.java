package lookm.spec.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.spec.plugin.Plugins;

/**
 * The one registry of policies, by stable name. CLI, benchmarks, contract and equivalence suites all read it.
 * Each registered name is an alias of a policy expression ({@link PolicyExpression}); each policy's math is in
 * spec/SPEC.md; {@link Alias#original()} names the authors' class it reproduces. Plugins on the class path (and those
 * the app installs) add their own names.
 */
public final class Policies {
    /** Registered names: lower-case letters, digits and '-'. */
    public static final String NAME_PATTERN = "[a-z0-9][a-z0-9-]*";
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

    private static final Map<String, Alias> ALIASES = new LinkedHashMap<>();
    private static final Map<String, PolicySpec> SPECS = new LinkedHashMap<>();

    static {
        String attention = "score=attention(source=recorded) ";
        String h2oSinks = "select=topk(sinks=" + ORIGINAL_MERGE_SINKS + ",window=R) ";
        String released = "select=textprior(mode=released) ", budgeted = "select=textprior(mode=budgeted) ";
        String average = "merge=average(pairing=correct,filter=true)", averageReleased = "merge=average(pairing=released_mispaired,filter=true)";
        String weighted = "merge=weighted(filter=true)";
        String vlcache = "score=postvision select=topk(sinks=0,window=R) merge=drop allocate=vlcache(threshold="
                + lookm.spec.allocate.AllocationNames.VLCACHE_THRESHOLD + ")";
        String h2o = "select=topk(sinks=0,window=R) ";
        String topN = "select=topk(sinks=0,window=0) ", snapkv = "score=kvsnapkv(window=" + KVPRESS_SNAPKV_WINDOW + ",kernel=" + KVPRESS_SNAPKV_KERNEL + ") ";
        for (Alias a : List.of(
                new Alias("full", "full cache: keep every token (the fidelity reference)", "score=none select=keepall merge=drop", "origin"),
                new Alias("lookm", "LOOK-M TP+P-Merge: released text prior (all text kept) + pivot merge; the authors' default",
                        attention + released + "merge=pivot", "TextPivotMerge_LayerWise (text_prior_pivot_merge)"),
                new Alias("lookm-bf16", "LOOK-M TP+P-Merge with bfloat16 scores (torch CPU autocast, or a bf16 model): the penalty becomes -65536 and small image scores tie",
                        "score=attention(source=recorded,precision=bf16) " + released + "merge=pivot", "TextPivotMerge_LayerWise under torch.autocast(cpu, bfloat16)"),
                new Alias("lookm-budgeted", "LOOK-M TP+P-Merge as the paper states: text first, exactly N+R kept, pivot merge",
                        attention + budgeted + "merge=pivot", ""),
                new Alias("tp-drop", "text prior (released), evicted tokens dropped", attention + released + "merge=drop",
                        "TextH2OKVCache_LayerWise (text_prior_h2o; effective MeanH2OKVCache_LayerWise)"),
                new Alias("tp-budgeted-drop", "text prior (budgeted, exactly N+R), evicted tokens dropped", attention + budgeted + "merge=drop", ""),
                new Alias("tp-average", "text prior (released) + average merge, correct pairing, mean-similarity filter", attention + released + average, ""),
                new Alias("tp-average-released", "text prior (released) + average merge with the released code's mis-pairing",
                        attention + released + averageReleased, "TextAVGMergeKVCache_LayerWise (text_prior_avg_merge)"),
                new Alias("tp-weighted", "text prior (released) + weighted merge with the released mean-similarity filter",
                        attention + released + weighted, "TextWeightedMerge_LayerWise (text_prior_weighted_merge)"),
                new Alias("h2o", "H2O: top-N accumulated attention over the first T-R + recent R, dropped (no sinks)",
                        attention + h2o + "merge=drop", "H2OKVCache_LayerWise (h2o)"),
                new Alias("h2o-pivot", "H2O selection with 4 sinks + pivot merge (paper: P-Merge)", attention + h2oSinks + "merge=pivot",
                        "PivotKVCache_LayerWise (pivot_merge)"),
                new Alias("h2o-average", "H2O selection with 4 sinks + average merge, correct pairing, filter", attention + h2oSinks + average, ""),
                new Alias("h2o-average-released", "H2O selection with 4 sinks + average merge with the released mis-pairing (paper: A-Merge)",
                        attention + h2oSinks + averageReleased, "AVGMergeKVCache_LayerWise (avg_merge)"),
                new Alias("h2o-weighted", "H2O selection with 4 sinks + weighted merge with the released filter (paper: W-Merge)",
                        attention + h2oSinks + weighted, "WeightedMergeKVCache_LayerWise (weighted_merge)"),
                new Alias("snapkv", "SnapKV as the original runs it: window W=R, avg pool 5 (zero padding), top-N + last W",
                        "score=window(window=R,pool=avg,kernel=" + ORIGINAL_SNAPKV_KERNEL + ") " + h2o + "merge=drop", "PoolingKVCache_LayerWise (snapkv)"),
                new Alias("snapkv-32", "SnapKV as commonly configured: window 32, max pool 7, top-(C-32) + last 32",
                        "score=window(window=" + COMMON_SNAPKV_WINDOW + ",pool=max,kernel=" + COMMON_SNAPKV_KERNEL + ") select=topk(sinks=0,window="
                                + COMMON_SNAPKV_WINDOW + ") merge=drop", ""),
                new Alias("streaming-llm", "StreamingLLM: 4 attention sinks + the most recent C-4 tokens",
                        "score=none select=streaming(sinks=" + STREAMING_SINKS + ") merge=drop", ""),
                new Alias("recent", "recent-only: the most recent C = N+R tokens", "score=none select=streaming(sinks=0) merge=drop", ""),
                new Alias("random", "random: seeded uniform N of the first T-R + recent R", "score=uniform(seed=" + RANDOM_SEED + ") " + h2o + "merge=drop", ""),
                new Alias("oracle", "hindsight oracle: top-N by the attention of the recorded decode probes + recent R (upper bound)",
                        "score=hindsight " + h2o + "merge=drop", ""),
                new Alias("kvpress-snapkv", "kvpress SnapKV: window 64, avg pool 5, mean over window and group; window padded max+1; top-n",
                        snapkv + topN + "merge=drop", "kvpress SnapKVPress(window_size=64, kernel_size=5)"),
                new Alias("kvpress-observed-attention", "kvpress ObservedAttention: column sums / (T-j), group mean; top-n, no window",
                        "score=observed(source=recorded) " + topN + "merge=drop", "kvpress ObservedAttentionPress"),
                new Alias("kvpress-knorm", "kvpress Knorm: keeps the n smallest key norms (score -|k|)", "score=knorm " + topN + "merge=drop",
                        "kvpress KnormPress"),
                new Alias("kvpress-tova", "kvpress TOVA: last query's attention, mean over all query heads; last token padded max+1",
                        "score=tova " + topN + "merge=drop", "kvpress TOVAPress"),
                new Alias("kvpress-keydiff", "kvpress KeyDiff: keeps keys least cosine-aligned with the mean normalised key",
                        "score=keydiff " + topN + "merge=drop", "kvpress KeyDiffPress"),
                new Alias("kvpress-lagkv", "kvpress LagKV: 4 sinks, lag 128, partition ranks vs the next partition's min/max",
                        "score=lagkv(sinks=" + KVPRESS_SINKS + ",lag=" + KVPRESS_LAGKV_LAG + ") " + topN + "merge=drop",
                        "kvpress LagKVPress(n_sink=4, lag_size=128, cross_scoring=False)"),
                new Alias("kvpress-cur", "kvpress CUR: local (16) key x value leverage product, 4 sinks",
                        "score=cur(sinks=" + KVPRESS_SINKS + ",local=" + KVPRESS_CUR_LOCAL_WINDOW + ") " + topN + "merge=drop",
                        "kvpress CURPress(num_sinks=4, leverage_type=kv_product, local_window_size=16)"),
                new Alias("kvpress-merging-snapkv", "kvpress MergingPress over SnapKV(64, 5): evicted values folded into the most similar kept; keys unchanged",
                        snapkv + topN + "merge=values(threshold_permille=0)",
                        "kvpress MergingPress(press=SnapKVPress(64, 5), similarity_threshold=0.0, merge_fraction=1.0)"),
                new Alias("vlcache", "VL-Cache: post-vision attention scores (text queries after the last visual token), sparsity-aware layer budgets, top-N + recent R",
                        vlcache, ""),
                new Alias("vlcache-modality", "VL-Cache scores and layer budgets, the layer's budget split text / image / video by post-vision attention mass (SPEC §3B)",
                        vlcache + " " + ScopeSpec.KEYWORD + "=modality(shares=attention)", "")))
            register(a);
    }

    private Policies() {}

    /**
     * Registers a named policy (built-ins, plugins). Its expression is parsed now: a bad one, or a name that is taken
     * (by a policy or a stage keyword), is an IllegalArgumentException naming it.
     */
    public static synchronized void register(Alias alias) {
        if (ALIASES.containsKey(alias.name()))
            throw new IllegalArgumentException("policy name '" + alias.name() + "' is already registered (" + ALIASES.get(alias.name()).expression() + ")");
        if (Variants.keyword(alias.name()) != null)
            throw new IllegalArgumentException("policy name '" + alias.name() + "' is taken by the " + Variants.keyword(alias.name()));
        PolicySpec stages = PolicyExpression.parse(alias.expression());
        ALIASES.put(alias.name(), alias);
        SPECS.put(alias.name(), new PolicySpec(alias.name(), alias.description(), stages.score(), stages.select(), stages.merge(), alias.original(),
                stages.allocate(), stages.scope()));
    }

    /** Every registered policy, in registry order. */
    public static List<PolicySpec> all() {
        Plugins.installClassPath();
        synchronized (Policies.class) {
            return new ArrayList<>(SPECS.values());
        }
    }

    /** Registered names, in registry order. */
    public static List<String> names() {
        Plugins.installClassPath();
        synchronized (Policies.class) {
            return new ArrayList<>(SPECS.keySet());
        }
    }

    /** Every registered alias (name, description, expression as registered, original), in registry order. */
    public static List<Alias> aliases() {
        Plugins.installClassPath();
        synchronized (Policies.class) {
            return new ArrayList<>(ALIASES.values());
        }
    }

    /** The policy registered under {@code name}; an unknown name lists the known ones. */
    public static PolicySpec named(String name) {
        Plugins.installClassPath();
        PolicySpec p = alias(name);
        if (p == null) throw new IllegalArgumentException("unknown policy '" + name + "'; known: " + String.join(", ", names()));
        return p;
    }

    /** Whether a policy is registered under {@code name} (installs no plugins: the plugin installer asks). */
    public static synchronized boolean isRegistered(String name) { return SPECS.containsKey(name); }

    /** The policy registered under {@code name}, or null (installs no plugins: the parser calls it while registering). */
    static synchronized PolicySpec alias(String name) { return SPECS.get(name); }

    /** The first registered policy with these three stages, the uniform allocation and the global scope, or null. */
    static PolicySpec withStages(ScoreSpec score, SelectSpec select, MergeSpec merge) {
        return withStages(score, select, merge, new AllocateSpec.Uniform(), ScopeSpec.GLOBAL);
    }

    /** The first registered policy whose three stages, allocation and budget scope equal these, or null. */
    static synchronized PolicySpec withStages(ScoreSpec score, SelectSpec select, MergeSpec merge, AllocateSpec allocate, ScopeSpec scope) {
        for (PolicySpec p : SPECS.values())
            if (p.score().equals(score) && p.select().equals(select) && p.merge().equals(merge) && p.allocate().equals(allocate)
                    && p.scope().equals(scope)) return p;
        return null;
    }

    /**
     * A policy from a name or an expression ({@link PolicyExpression}): {@code lookm}, {@code snapkv(window=64)},
     * {@code h2o(sinks=4) + pivot}, or {@code score=... select=... merge=...}.
     *
     * @throws PolicyExpressionException naming the parameter, its value and what is allowed
     */
    public static PolicySpec parse(String expression) {
        Plugins.installClassPath();
        return PolicyExpression.parse(expression);
    }
}
