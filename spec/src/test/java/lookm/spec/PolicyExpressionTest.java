package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.spec.policy.AveragePairing;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.Pooling;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.TieOrder;
import lookm.spec.policy.Window;
import org.junit.jupiter.api.Test;

/** Policy expressions: registered names are aliases whose stages are unchanged, the canonical text round-trips, errors name what. */
class PolicyExpressionTest {
    /** The registry as it was before expressions (7ee6c5a), built from the records directly. */
    private static Map<String, List<Object>> legacyRegistry() {
        ScoreSpec attention = new ScoreSpec.AccumulatedAttention(ScoreSource.RECORDED);
        SelectSpec h2o = new SelectSpec.TopK(0, new Window.BudgetRecent()), sinks = new SelectSpec.TopK(4, new Window.BudgetRecent());
        SelectSpec released = new SelectSpec.TextPrior(TextPriorMode.RELEASED), budgeted = new SelectSpec.TextPrior(TextPriorMode.BUDGETED);
        MergeSpec drop = new MergeSpec.Drop(), pivot = new MergeSpec.Pivot();
        MergeSpec average = new MergeSpec.Average(AveragePairing.CORRECT, true), averageReleased = new MergeSpec.Average(AveragePairing.RELEASED_MISPAIRED, true);
        MergeSpec weighted = new MergeSpec.Weighted(true);
        Map<String, List<Object>> m = new LinkedHashMap<>();
        m.put("full", List.of(new ScoreSpec.None(), new SelectSpec.KeepAll(), drop));
        m.put("lookm", List.of(attention, released, pivot));
        m.put("lookm-budgeted", List.of(attention, budgeted, pivot));
        m.put("tp-drop", List.of(attention, released, drop));
        m.put("tp-budgeted-drop", List.of(attention, budgeted, drop));
        m.put("tp-average", List.of(attention, released, average));
        m.put("tp-average-released", List.of(attention, released, averageReleased));
        m.put("tp-weighted", List.of(attention, released, weighted));
        m.put("h2o", List.of(attention, h2o, drop));
        m.put("h2o-pivot", List.of(attention, sinks, pivot));
        m.put("h2o-average", List.of(attention, sinks, average));
        m.put("h2o-average-released", List.of(attention, sinks, averageReleased));
        m.put("h2o-weighted", List.of(attention, sinks, weighted));
        m.put("snapkv", List.of(new ScoreSpec.WindowAttention(new Window.BudgetRecent(), Pooling.AVG, 5), h2o, drop));
        m.put("snapkv-32", List.of(new ScoreSpec.WindowAttention(new Window.Fixed(32), Pooling.MAX, 7), new SelectSpec.TopK(0, new Window.Fixed(32)), drop));
        m.put("streaming-llm", List.of(new ScoreSpec.None(), new SelectSpec.Streaming(4), drop));
        m.put("recent", List.of(new ScoreSpec.None(), new SelectSpec.Streaming(0), drop));
        m.put("random", List.of(new ScoreSpec.Random(0), h2o, drop));
        m.put("oracle", List.of(new ScoreSpec.HindsightOracle(), h2o, drop));
        return m;
    }

    @Test
    void registeredNamesKeepTheirStages() {
        legacyRegistry().forEach((name, stages) -> {
            PolicySpec p = Policies.named(name);
            assertEquals(stages, List.of(p.score(), p.select(), p.merge()), name);
        });
    }

    @Test
    void theCanonicalExpressionOfEveryRegisteredPolicyRoundTrips() {
        for (PolicySpec p : Policies.all()) {
            assertEquals(p, Policies.parse(p.expression()), p.name() + ": " + p.expression());
            assertSame(p, Policies.parse(p.name()));
            assertEquals(p.expression(), Policies.parse(p.expression()).expression());
        }
    }

    @Test
    void aliasParametersAndStageReplacement() {
        PolicySpec snap = Policies.parse("snapkv(window=64, kernel=5, pool=avg)");
        assertEquals(new ScoreSpec.WindowAttention(new Window.Fixed(64), Pooling.AVG, 5), snap.score());
        assertEquals(new SelectSpec.TopK(0, new Window.Fixed(64)), snap.select(), "a bare name sets the parameter in every stage that has it");
        assertEquals("snapkv(window=64, kernel=5, pool=avg)", snap.name());
        assertEquals(Policies.named("h2o-pivot"), Policies.parse("h2o(sinks=4) + pivot"), "stages equal to a registered policy give that policy");
        assertEquals(Policies.named("snapkv-32"), Policies.parse("score=window(window=32,pool=max,kernel=7) select=topk(sinks=0,window=32) merge=drop"));
        PolicySpec scoreOnly = Policies.parse("snapkv(score.window=16)");
        assertEquals(new SelectSpec.TopK(0, new Window.BudgetRecent()), scoreOnly.select(), "a stage-qualified name sets only that stage");
        assertEquals(new ScoreSpec.WindowAttention(new Window.Fixed(16), Pooling.AVG, 5), scoreOnly.score());
        assertEquals(new MergeSpec.Average(AveragePairing.RELEASED_MISPAIRED, false),
                Policies.parse("lookm + average(pairing=released_mispaired, filter=false)").merge());
        assertEquals(new ScoreSpec.AccumulatedAttention(ScoreSource.RECOMPUTED), Policies.parse("lookm(source=recomputed)").score());
    }

    private static void rejects(String expression, String... inMessage) { PolicyExpressionTestSupport.rejects(expression, inMessage); }

    @Test
    void badExpressionsNameTheParameterItsValueAndWhatIsAllowed() {
        rejects("snapkv(kernel=4)", "kernel=4", "odd integer in [1, 2147483647]");
        rejects("snapkv(pool=median)", "pool=median", "one of avg|max");
        rejects("h2o(sinks=-1)", "sinks=-1", "integer in [0, 2147483647]");
        rejects("h2o(windw=3)", "unknown parameter 'windw'", "select.window");
        rejects("score=topk select=topk merge=drop", "unknown score variant 'topk'", "attention");
        rejects("score=attention select=topk", "no merge stage");
        rejects("nosuch", "unknown name 'nosuch'", "lookm");
        rejects("h2o + drop + pivot", "merge stage is set twice");
        rejects("pivot + h2o", "can only start an expression");
        rejects("snapkv(window=64", "expected ',' or ')'");
        rejects("", "empty");
        rejects("score=window(window=3,window=4) select=topk merge=drop", "window given twice");
    }

    @Test
    void tieOrderAndScorePrecisionAreExpressionParameters() {
        PolicySpec torch = Policies.parse("score=attention select=textprior(ties=torch-cpu) merge=pivot");
        assertEquals(Policies.named("lookm").withTies(TieOrder.TORCH_CPU).select(), torch.select(), "torch-cpu and torch_cpu both parse");
        assertEquals(TieOrder.TORCH_CPU, Policies.parse("score=attention select=topk(sinks=4,ties=torch_cpu) merge=pivot").select().ties());
        assertEquals(Policies.named("lookm-bf16").score(), Policies.parse("score=attention(precision=bf16) select=textprior merge=pivot").score());
        assertTrue(Policies.named("h2o").withTies(TieOrder.TORCH_CPU).expression().contains("ties=torch_cpu"), "printed in the canonical expression");
    }
}
