package lookm.properties;

import java.util.stream.Stream;
import lookm.accelerated.OpenClBackend;
import lookm.properties.contract.OpenClDevice;
import lookm.properties.contract.PolicyProperties;
import lookm.properties.contract.Registered;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.invariant.Invariants;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.policy.TieOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 1, every registered policy: the OpenCL backend agrees with the reference (kept sets exactly from identical
 * scores, near ties by the accelerated backend's NearTieRule, merged K/V within Tolerance.MERGE); and the OpenCL
 * backend satisfies the budget, text-prior, merge and determinism properties itself. Small shapes (PoCL launch cost).
 * No device: a visible skip, or a failure under -Dlookm.requireOpenCl=true.
 */
@ExtendWith(ReplayExtension.class)
class OpenClEquivalenceProperties {
    /** Examples per policy, as a share of -Dlookm.examples (each example runs every stage on the device). */
    static final double SCALE = 0.5;
    /** AdaKV's safeguard share in the ragged-count equivalence (kvpress's default). */
    static final double ADAKV_ALPHA = 0.2;

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void openClMatchesTheReference(String policy) {
        PolicyProperties.equivalence(new ReferenceBackend(), OpenClDevice.backendOrSkip(), policy, Limits.OPENCL, SCALE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("torchTiePolicies")
    void openClMatchesTheReferenceUnderTheTorchCpuTieOrder(String policy) {
        PolicyProperties.equivalence(new ReferenceBackend(), OpenClDevice.backendOrSkip(),
                Policies.named(policy).withTies(TieOrder.TORCH_CPU), Limits.OPENCL, SCALE);
    }

    /** Policies with a cut that OpenCL runs under ties=torch-cpu (it refuses the budgeted text prior with it). */
    static Stream<String> torchTiePolicies() {
        return Registered.cutPolicies().filter(p -> Invariants.textPriorMode(Policies.named(p).select()) != TextPriorMode.BUDGETED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#accumulatedAttentionPolicies")
    void openClMatchesTheReferenceUpToNearTiesWhenScoresAreRecomputed(String policy) {
        PolicyProperties.equivalence(new ReferenceBackend(), OpenClDevice.backendOrSkip(),
                Policies.named(policy).withScoreSource(ScoreSource.RECOMPUTED), Limits.OPENCL, SCALE);
    }

    /**
     * Ragged per-head counts (AdaKV, SPEC.md §3A.2) through selection and every merge (pivot, average and weighted with
     * the mean-similarity filter over heads of different counts): the host allocation feeds both backends the same counts.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#headAdaptivePoliciesWithIdenticalScores")
    void openClMatchesTheReferenceUnderAdaKv(String policy) {
        PolicyProperties.equivalence(new ReferenceBackend(), OpenClDevice.backendOrSkip(),
                Policies.named(policy).withAllocation(new AllocateSpec.HeadAdaptive(ADAKV_ALPHA)), Limits.OPENCL, SCALE);
    }

    /**
     * Budget scopes (SPEC.md §3B): the host divides the budget among the groups, each backend's own selection runs inside
     * each group; kept sets exactly from identical scores (h2o, h2o-pivot, lookm-budgeted: recorded), up to near ties
     * from recomputed ones (vlcache: post-vision attention on the device).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("scopedPolicies")
    void openClMatchesTheReferenceUnderABudgetScope(String expression) {
        PolicyProperties.equivalence(new ReferenceBackend(), OpenClDevice.backendOrSkip(), Policies.parse(expression), Limits.OPENCL, SCALE);
    }

    static Stream<String> scopedPolicies() {
        return Stream.of("modality", "image", "tile", "frame", "image(shares=attention)").flatMap(scope ->
                Stream.of("h2o", "h2o-pivot", "lookm-budgeted", "vlcache").map(p -> p + " scope=" + scope));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void openClKeepsTheBudgetAndTheTextPriorAndMergesByTheFormula(String policy) {
        OpenClBackend opencl = OpenClDevice.backendOrSkip();
        PolicyProperties.budget(opencl, policy, Limits.OPENCL, SCALE);
        PolicyProperties.textRetention(opencl, policy, Limits.OPENCL, SCALE);
        PolicyProperties.merge(opencl, policy, Limits.OPENCL, SCALE);
        PolicyProperties.determinism(opencl, policy, Limits.OPENCL, false, SCALE);
    }
}
