package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import lookm.traces.kvpress.KvpressCase;
import lookm.traces.kvpress.KvpressChecks;
import lookm.traces.kvpress.KvpressRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * kvpress parity on the device: every run of every case of ../shared/golden-kvpress through the OpenCL backend, scores
 * within {@link Tolerance#MERGE} (1e-5) of kvpress's, kept sets identical and MergingPress's
 * pairing, weights and merged values (ambiguous heads: the README's rule; LagKV ranks up to neighbour swaps). A variant
 * the backend refused would skip visibly; the allocation presses (AdaKV, PyramidKV) skip visibly as such.
 */
class KvpressGoldenEquivalenceTest {
    @TestFactory
    Stream<DynamicNode> everyKvpressRunIsReproducedOnTheDevice() {
        Path shared = KvpressCase.sharedDirectory();
        Assumptions.assumeTrue(shared != null, "no kvpress golden directory (../shared/golden-kvpress or -D" + KvpressCase.DIRECTORY_PROPERTY + ")");
        List<DynamicNode> cases = new ArrayList<>();
        for (KvpressCase c : KvpressCase.all(shared)) {
            Object[] inputs = new Object[2];                                   // block, observation: read on first use
            List<DynamicTest> tests = new ArrayList<>();
            for (KvpressRun run : c.runs()) tests.add(DynamicTest.dynamicTest(run.id(), () -> check(c, inputs, run)));
            cases.add(DynamicContainer.dynamicContainer(c.name(), tests));
        }
        return cases.stream();
    }

    private static void check(KvpressCase c, Object[] inputs, KvpressRun run) {
        Assumptions.assumeTrue(run.notAScorer() == null, run::notAScorer);
        OpenClBackend backend = OpenClTestSupport.backend();
        PolicySpec policy = run.policy();
        Compressor device = OpenClTestSupport.compressorOrSkip(backend, policy);
        synchronized (inputs) {
            if (inputs[0] == null) {
                inputs[0] = c.block();
                inputs[1] = c.observation();
            }
        }
        KvBlock block = (KvBlock) inputs[0];
        Observation observation = (Observation) inputs[1];
        Budget budget = run.budget();
        Scores scores = device.scorer().score(block, observation, budget);
        Selection kept = device.selector().select(scores, block.layout(), budget);
        for (Verdict v : new Verdict[] {KvpressChecks.scores(run, policy, scores, kept, Tolerance.MERGE), KvpressChecks.keptSets(run, scores, kept)})
            assertTrue(v.holds(), v::toString);
        if (policy.merge() instanceof MergeSpec.ValueMerge vm) {
            Verdict v = KvpressChecks.valueMerge(run, block, device.merger().merge(block, kept), vm, Tolerance.MERGE);
            assertTrue(v.holds(), v::toString);
        }
    }
}
