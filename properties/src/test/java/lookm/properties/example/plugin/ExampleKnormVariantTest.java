package lookm.properties.example.plugin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import lookm.properties.contract.OpenClDevice;
import lookm.properties.contract.Variant;
import lookm.properties.contract.VariantContract;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import org.junit.jupiter.api.Test;

/** The plugin's Knorm policy, found through the registry like a built-in: the generic contract, and a visible refusal on OpenCL. */
class ExampleKnormVariantTest implements VariantContract {
    static final PolicySpec KNORM = Policies.named("example-knorm");

    @Override public Map<String, Variant> variants() { return Map.of("reference", Variant.of(new ReferenceBackend(), KNORM)); }

    @Test
    void theOpenClBackendSaysItLacksThePluginScorer() {
        Backend.Support s = OpenClDevice.backendOrSkip().supports(KNORM);
        assertFalse(s.supported());
        assertTrue(s.reason().contains("smallest-key-norm") && s.reason().contains("runs on: reference"), s.reason());
    }
}
