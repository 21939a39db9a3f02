package lookm.properties;

import java.util.LinkedHashMap;
import java.util.Map;
import lookm.properties.contract.OpenClDevice;
import lookm.properties.contract.Variant;
import lookm.properties.contract.VariantContract;
import lookm.properties.gen.Limits;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;

/**
 * The variant contract for an allocated policy with ragged per-head counts: H2O with LOOK-M's pivot merge under AdaKV
 * (α = 0.2), on the reference (the oracle) and on OpenCL, so backendsAgree compares kept sets, matches and merged rows.
 * No OpenCL device: every test skips visibly (fails under -Dlookm.requireOpenCl=true).
 */
class AdaKvOnBothBackendsTest implements VariantContract {
    static final AllocateSpec ADAKV = new AllocateSpec.HeadAdaptive(0.2);
    static final PolicySpec POLICY = Policies.named("h2o-pivot").withAllocation(ADAKV);

    @Override public Map<String, Variant> variants() {
        Map<String, Variant> both = new LinkedHashMap<>();
        both.put("reference", Variant.of(new ReferenceBackend(), POLICY));
        both.put("opencl", Variant.of(OpenClDevice.backendOrSkip(), POLICY));
        return both;
    }

    @Override public AllocateSpec allocation() { return ADAKV; }

    /** One OpenCL queue: no concurrent runs on one backend instance. */
    @Override public boolean threadSafe() { return false; }

    @Override public Limits limits() { return Limits.OPENCL; }
}
