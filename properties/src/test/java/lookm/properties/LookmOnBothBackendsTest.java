package lookm.properties;

import java.util.LinkedHashMap;
import java.util.Map;
import lookm.properties.contract.OpenClDevice;
import lookm.properties.contract.Variant;
import lookm.properties.contract.VariantContract;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.Limits;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.ExpectedKept;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Scores;

/**
 * The variant contract with two backends: LOOK-M's default policy on the reference (the oracle) and on OpenCL, so
 * backendsAgree compares them. No OpenCL device: every test skips visibly (fails under -Dlookm.requireOpenCl=true).
 */
class LookmOnBothBackendsTest implements VariantContract {
    @Override public Map<String, Variant> variants() {
        Map<String, Variant> both = new LinkedHashMap<>();
        both.put("reference", Variant.of(new ReferenceBackend(), Policies.named("lookm")));
        both.put("opencl", Variant.of(OpenClDevice.backendOrSkip(), Policies.named("lookm")));
        return both;
    }

    /**
     * The released text prior keeps every text token outside the window (and image tokens scoring at least Λ):
     * R + max(P_h, N), more than N + R on text-heavy prompts (SPEC.md §3.3), from the scores the policy ranks.
     */
    @Override public int maxKept(CacheCase c) {
        PolicySpec lookm = Policies.named("lookm");
        Scores scores = new ReferenceBackend().scorer(lookm.score()).score(c.block(), c.observation(), c.budget());
        int most = 0;
        for (int h = 0; h < scores.heads(); h++) most = Math.max(most, ExpectedKept.count(lookm.select(), c.layout(), c.budget(), scores, h));
        return most;
    }

    /** One OpenCL queue: no concurrent runs on one backend instance. */
    @Override public boolean threadSafe() { return false; }

    @Override public Limits limits() { return Limits.OPENCL; }
}
