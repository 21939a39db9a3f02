package lookm.properties;

import java.util.LinkedHashMap;
import java.util.Map;
import lookm.properties.contract.OpenClDevice;
import lookm.properties.contract.Variant;
import lookm.properties.contract.VariantContract;
import lookm.properties.gen.Limits;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;

/**
 * The variant contract for a scoped policy (SPEC.md §3B): LOOK-M's budgeted text prior with its pivot merge, the
 * budget divided per tile (AnyRes tiles, Qwen images, video items), on the reference (the oracle) and on OpenCL, so
 * backendsAgree compares kept sets, matches and merged rows. No OpenCL device: every test skips visibly (fails under
 * -Dlookm.requireOpenCl=true).
 */
class ScopeOnBothBackendsTest implements VariantContract {
    static final PolicySpec POLICY = Policies.parse("lookm-budgeted scope=tile");

    @Override public Map<String, Variant> variants() {
        Map<String, Variant> both = new LinkedHashMap<>();
        both.put("reference", Variant.of(new ReferenceBackend(), POLICY));
        both.put("opencl", Variant.of(OpenClDevice.backendOrSkip(), POLICY));
        return both;
    }

    /** One OpenCL queue: no concurrent runs on one backend instance. */
    @Override public boolean threadSafe() { return false; }

    @Override public Limits limits() { return Limits.OPENCL; }
}
