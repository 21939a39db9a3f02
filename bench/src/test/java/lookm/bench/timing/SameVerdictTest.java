package lookm.bench.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lookm.accelerated.OpenClBackend;
import lookm.properties.contract.Equivalence;
import lookm.properties.contract.OpenClDevice;
import lookm.properties.contract.PolicyProperties;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Agreement;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One agreement rule: the same (reference, candidate) pair gets the same verdict from bench validation (what
 * {@code lookm bench} and the JMH setup refuse to time) and from the property suite's {@link Equivalence}, for every
 * registered policy, with recorded and recomputed scores, on OpenCL and on a tampered copy of its output.
 */
class SameVerdictTest {
    static Stream<PolicySpec> policies() {
        List<PolicySpec> out = new ArrayList<>();
        for (PolicySpec p : Policies.all()) {
            out.add(p);
            if (!p.score().equals(p.withScoreSource(ScoreSource.RECOMPUTED).score())) out.add(p.withScoreSource(ScoreSource.RECOMPUTED));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void benchValidationAndThePropertySuiteGiveTheSameVerdict(PolicySpec policy) {
        OpenClBackend opencl = OpenClDevice.backendOrSkip();
        SyntheticLayer layer = SyntheticLayer.make(2, 300, 32, SyntheticLayer.DEFAULT_SEED);
        Budget budget = Budget.ratios(0.1, 0.1);
        Compressor candidate = PolicyProperties.runnable(opencl, policy);      // a plugin policy without an OpenCL stage: a visible skip
        Compressor.Stages reference = new ReferenceBackend().compressor(policy).run(layer.block(), layer.observation(), budget);
        Compressor.Stages got = candidate.run(layer.block(), layer.observation(), budget);
        sameVerdict(policy, candidate, layer, reference, got);
        Compressor.Stages tampered = tamper(got);
        sameVerdict(policy, candidate, layer, reference, tampered);
        assertFalse(Validation.compare(candidate, layer.block(), reference, tampered).agrees(), "a moved merged key must be refused");
    }

    private static void sameVerdict(PolicySpec policy, Compressor candidate, SyntheticLayer layer, Compressor.Stages reference, Compressor.Stages got) {
        Agreement bench = Validation.compare(candidate, layer.block(), reference, got);
        Verdict suite = Equivalence.compare(policy, layer.block(), reference, got);
        assertEquals(bench.agrees(), suite.holds(), () -> policy.expression() + ": bench says " + bench + ", the suite " + suite);
        if (!bench.agrees()) assertEquals(bench.detail(), suite.detail());
    }

    /** The candidate's output with the first kept key of head 0 moved well beyond Tolerance.MERGE. */
    private static Compressor.Stages tamper(Compressor.Stages s) {
        List<HeadCompression> heads = new ArrayList<>(s.layer().heads());
        HeadCompression h = heads.get(0);
        float[] keys = h.keys().clone();
        keys[0] += 1f;
        heads.set(0, new HeadCompression(h.kept(), h.evicted(), h.match(), h.matchSimilarity(), h.mergeTarget(), h.mergeWeight(), keys, h.values()));
        CompressedLayer layer = new CompressedLayer(heads, s.layer().tokens(), s.layer().headDim(), s.layer().layout());
        return new Compressor.Stages(s.scores(), s.selection(), layer, s.scoreNanos(), s.selectNanos(), s.mergeNanos());
    }
}
