package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import org.junit.jupiter.api.Test;

/** The allocation stage in policy expressions: {@code allocate=…} after an alias or the three stages, printed back by expression(). */
class AllocationExpressionTest {
    @Test
    void anAllocationFollowsAnAliasOrTheStagesAndRoundTrips() {
        PolicySpec p = Policies.parse("h2o allocate=adakv(alpha=0.3)");
        assertEquals(new AllocateSpec.HeadAdaptive(0.3), p.allocate());
        assertEquals(Policies.named("h2o").select(), p.select());
        assertTrue(p.expression().endsWith(" allocate=adakv(alpha=0.3)"), p.expression());
        PolicySpec back = Policies.parse(p.expression());
        assertEquals(p.allocate(), back.allocate());
        assertEquals(p.select(), back.select());
        assertEquals(new AllocateSpec.LayerRatios(java.util.List.of(0.5, 0.25)), Policies.parse("lookm allocate=layer-ratios(0.5, 0.25)").allocate());
        assertEquals(new AllocateSpec.Uniform(), Policies.parse("h2o").allocate());
    }

    @Test
    void aBadAllocationNamesTheExpression() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Policies.parse("lookm allocate=adakv")).getMessage().contains("budgeted text prior"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Policies.parse("h2o allocate=nope")).getMessage().contains("unknown allocation"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Policies.parse("h2o allocate=adakv allocate=meda")).getMessage().contains("twice"));
    }
}
