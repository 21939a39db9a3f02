package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lookm.properties.contract.Require;
import lookm.properties.gen.BudgetKind;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Draw;
import lookm.properties.gen.LayoutKind;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.AllocationInvariants;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.ScopeInvariants;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScopeSpec;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SynthLayout;
import lookm.traces.synth.SyntheticTraceGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Budget scopes (SPEC.md §3B) on the reference, over generated caches whose layouts are mostly current-VLM structure
 * (v2 details: Qwen-like images with their special tokens, AnyRes tiles, video frames): I19 each scope's budget, I20
 * text retention per scope, I21 each scope keeps its own best, I17 the head's total, partition, finiteness,
 * determinism; under the uniform allocation and AdaKV's ragged counts. And the global scope is today's behaviour.
 */
@ExtendWith(ReplayExtension.class)
class ScopeProperties {
    static final ReferenceBackend REFERENCE = new ReferenceBackend();
    /** Examples per (scope, policy), as a share of -Dlookm.examples. */
    static final double SCALE = 0.2;
    /** Share of VLM layouts among the generated cases (the rest: every other layout kind, v1 layouts without details). */
    static final int VLM_PERCENT = 75;
    /** Policies a scope can serve (TopK and the budgeted text prior), over recorded, window, post-vision and key-norm scores. */
    static final List<String> POLICIES = List.of("h2o", "h2o-pivot", "lookm-budgeted", "tp-budgeted-drop", "snapkv-32", "vlcache", "kvpress-knorm");
    /** Scorers whose scores are attention mass (>= 0), which attention shares need. */
    static final List<String> MASS_POLICIES = List.of("h2o", "h2o-pivot", "lookm-budgeted", "snapkv-32", "vlcache");
    /** Synthetic preset runs: text before and after the visual part, stored prefill window, budgets (N + R)/T. */
    static final int SYNTH_TEXT = 24, SYNTH_WINDOW = 32;
    static final double[] SYNTH_BUDGETS = {0.05, 0.2, 0.5};

    static Draw<CacheCase> vlmCases(Limits limits) {
        return s -> CacheCases.of(CacheCases.shapes(limits).draw(s), s.percent(VLM_PERCENT) ? LayoutKind.VLM : s.pick(List.of(LayoutKind.values())),
                s.pick(List.of(BudgetKind.values()))).draw(s);
    }

    /** "scope policy allocation" triples. */
    static Stream<String> cases() {
        List<String> out = new ArrayList<>();
        for (ScopeSpec.Unit unit : ScopeSpec.Unit.values()) {
            if (unit == ScopeSpec.Unit.GLOBAL) continue;
            for (String p : POLICIES) {
                out.add(unit.label() + " " + p + " uniform");
                out.add(unit.label() + " " + p + " adakv");
            }
            for (String p : MASS_POLICIES) out.add(unit.label() + "(shares=attention) " + p + " uniform");
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachScopeKeepsItsShareItsTextAndItsBest(String triple) {
        String[] parts = triple.split(" ");
        ScopeSpec scope = ScopeSpec.parse(parts[0]);
        PolicySpec base = Policies.named(parts[1]);
        AllocateSpec allocation = parts[2].equals("adakv") ? new AllocateSpec.HeadAdaptive(0.2) : base.allocate();
        scopeInvariants(REFERENCE, base.withAllocation(allocation).withScope(scope), SCALE);
    }

    /** I19-I21, I17, partition, finiteness and determinism of a scoped policy on {@code backend} (also SuiteCanFailTest's). */
    static void scopeInvariants(Backend backend, PolicySpec policy, double scale) {
        ScopeSpec scope = policy.scope();
        Compressor compressor = backend.compressor(policy);
        Theories.check(scale, vlmCases(Limits.DEFAULT), k -> {
            LayerContext layer = LayerContext.single();
            Compressor.Stages st = compressor.run(k.block(), k.observation(), k.budget(), layer);
            Scores scores = st.scores();
            Allocation share = st.allocation();
            CompressedLayer out = st.layer();
            List<Verdict> v = List.of(
                    ScopeInvariants.budgetPerScopeRespected(scope, policy.select(), out.selection(), scores, k.layout(), k.budget(), share),
                    ScopeInvariants.textRetainedPerScope(scope, policy.select(), out.selection(), k.layout(), k.budget(), share),
                    ScopeInvariants.bestKeptPerScope(scope, policy.select(), out.selection(), scores, k.layout(), k.budget(), share),
                    AllocationInvariants.keptFollowsAllocation(out.selection(), share),
                    Invariants.keptAndEvictedPartition(out),
                    Invariants.finite(out),
                    Invariants.identical(out, compressor.compress(k.block(), k.observation(), k.budget(), layer)));
            Require.allHold("reference " + policy.expression(), v);
        });
    }

    /**
     * The `lookm trace synth --layout` presets (Qwen2-VL image + video with vision start / end, AnyRes base view + tiles
     * with newline rows, OneVision video frames): every unit, scoped policy and budget keeps I19-I21 and the head's total.
     */
    @Test
    void theInvariantsHoldOnEverySynthPreset() {
        for (String preset : SynthLayout.NAMES) {
            SynthLayout layout = SynthLayout.of(preset, SYNTH_TEXT, SYNTH_TEXT);
            SynthConfig config = SynthConfig.builder().modelName("scope-test").shape(1, 4, 2, 16).dtype(CacheDtype.FLOAT32)
                    .preset(layout).prefillQueries(SYNTH_WINDOW).probes(2).seed(5).build();
            TraceLayer layer = new SyntheticTraceGenerator(config).layer(0);
            for (ScopeSpec.Unit unit : ScopeSpec.Unit.values())
                for (ScopeSpec.Shares shares : ScopeSpec.Shares.values()) {
                    if (unit == ScopeSpec.Unit.GLOBAL) continue;
                    for (String name : MASS_POLICIES)
                        for (double budget : SYNTH_BUDGETS) {
                            PolicySpec policy = Policies.named(name).withScope(new ScopeSpec(unit, shares));
                            Budget b = Budget.ratios(budget / 2, budget / 2);
                            Compressor.Stages st = REFERENCE.compressor(policy).run(layer.block(), layer.observation(), b);
                            TokenLayout l = layer.block().layout();
                            Require.allHold(preset + ", " + policy.expression() + ", budget " + budget, List.of(
                                    ScopeInvariants.budgetPerScopeRespected(policy.scope(), policy.select(), st.selection(), st.scores(), l, b, st.allocation()),
                                    ScopeInvariants.textRetainedPerScope(policy.scope(), policy.select(), st.selection(), l, b, st.allocation()),
                                    ScopeInvariants.bestKeptPerScope(policy.scope(), policy.select(), st.selection(), st.scores(), l, b, st.allocation()),
                                    AllocationInvariants.keptFollowsAllocation(st.selection(), st.allocation())));
                        }
                }
        }
    }

    /** "global" changes nothing: the same spec, the same canonical text, bit-identical outputs, for every registered policy. */
    /** Registered policies registered with the global scope (every one except the scoped aliases). */
    static Stream<String> globalPolicies() { return Policies.all().stream().filter(p -> p.scope().global()).map(PolicySpec::name); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("globalPolicies")
    void theGlobalScopeIsTodaysBehaviourBitForBit(String name) {
        PolicySpec policy = Policies.named(name);
        PolicySpec global = Policies.parse(name + " scope=global");
        assertEquals(policy, global, name + " scope=global");
        assertEquals(policy.expression(), policy.withScope(ScopeSpec.GLOBAL).expression());
        assertEquals(ScopeSpec.GLOBAL, policy.scope(), name);
        Compressor plain = REFERENCE.compressor(policy), scoped = REFERENCE.compressor(policy.withScope(ScopeSpec.GLOBAL));
        Theories.check(SCALE, CacheCases.any(Limits.DEFAULT), k -> Require.holds(name + " scope=global",
                Invariants.identical(plain.compress(k.block(), k.observation(), k.budget()), scoped.compress(k.block(), k.observation(), k.budget()))));
    }

    /** A scope round-trips through the canonical expression and names the registered policy it came from. */
    @Test
    void aScopeIsPrintedAndParsedBack() {
        for (String name : List.of("h2o", "lookm-budgeted", "vlcache-modality")) {
            PolicySpec p = Policies.named(name).withScope(ScopeSpec.parse("tile(shares=attention)"));
            PolicySpec back = Policies.parse(p.expression());
            assertEquals(p.score(), back.score());
            assertEquals(p.select(), back.select());
            assertEquals(p.allocate(), back.allocate());
            assertEquals(p.scope(), back.scope(), p.expression());
        }
        assertSame(Policies.named("vlcache-modality"), Policies.parse(Policies.named("vlcache-modality").expression()));
    }
}
