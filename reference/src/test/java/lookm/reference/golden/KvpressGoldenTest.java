package lookm.reference.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.ScoreSpec;
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
 * kvpress parity: every run of every case folder of ../shared/golden-kvpress (held-back cases laid out the same way
 * included) reproduced by the reference from the run's press and config: the budget n = int(T(1 − cr)), the scores
 * within Tolerance.MERGE (1e-5), kept sets identical (ambiguous heads: the README's rule), and for MergingPress the
 * pairing, similarity, weights and merged values. The budget-allocation presses (AdaKV, PyramidKV) are skipped
 * visibly: they belong to the allocation stage, checked by properties' KvpressAllocationGoldenTest.
 */
class KvpressGoldenTest {
    private final ReferenceBackend reference = new ReferenceBackend();

    @TestFactory
    Stream<DynamicNode> everyKvpressRunIsReproduced() {
        Path shared = KvpressCase.sharedDirectory();
        Assumptions.assumeTrue(shared != null, "no kvpress golden directory (../shared/golden-kvpress or -D" + KvpressCase.DIRECTORY_PROPERTY + ")");
        List<DynamicNode> cases = new ArrayList<>();
        for (KvpressCase c : KvpressCase.all(shared)) {
            KvpressInputs inputs = new KvpressInputs(c);
            List<DynamicTest> tests = new ArrayList<>();
            for (KvpressRun run : c.runs()) tests.add(DynamicTest.dynamicTest(run.id(), () -> check(c, inputs, run)));
            cases.add(DynamicContainer.dynamicContainer(c.name(), tests));
        }
        assertTrue(!cases.isEmpty(), shared + " holds no case folder with a runs.json");
        return cases.stream();
    }

    /** A case's inputs, read once on first use (the largest case is 25 MB). */
    static final class KvpressInputs {
        private final KvpressCase c;
        private KvBlock block;
        private Observation observation;

        KvpressInputs(KvpressCase c) { this.c = c; }

        synchronized KvBlock block() {
            if (block == null) block = c.block();
            return block;
        }

        synchronized Observation observation() {
            if (observation == null) observation = c.observation();
            return observation;
        }
    }

    private void check(KvpressCase c, KvpressInputs inputs, KvpressRun run) {
        Assumptions.assumeTrue(run.notAScorer() == null, run::notAScorer);
        PolicySpec policy = run.policy();
        Budget budget = run.budget();
        assertEquals(run.keptCount(), budget.heavy(c.tokens()), run.id() + ": n = int(T(1 - cr))");
        KvBlock block = inputs.block();
        Compressor compressor = reference.compressor(policy);
        Scores scores = compressor.scorer().score(block, inputs.observation(), budget);
        Selection kept = compressor.selector().select(scores, block.layout(), budget);
        holds(KvpressChecks.scores(run, policy, scores, kept, Tolerance.MERGE));
        holds(KvpressChecks.keptSets(run, scores, kept));
        if (policy.score() instanceof ScoreSpec.ObservedAttention) {
            Scores recomputed = reference.scorer(new ScoreSpec.ObservedAttention(ScoreSource.RECOMPUTED)).score(block, inputs.observation(), budget);
            holds(KvpressChecks.scores(run, policy, recomputed, kept, Tolerance.MERGE));
            holds(KvpressChecks.keptSets(run, recomputed, compressor.selector().select(recomputed, block.layout(), budget)));
        }
        if (policy.select() == Policies.KVPRESS_TOP_N) {
            // kvpress's own stored scores, fed as external scores, give kvpress's kept set through our selection
            Scores stored = new Scores(c.floats(run.file("score")), c.kvHeads(), c.tokens());
            Compressor external = reference.compressor(policy.withExternalScores());
            Scores read = external.scorer().score(block, inputs.observation().withExternal(stored), budget);
            holds(KvpressChecks.keptSets(run, read, external.selector().select(read, block.layout(), budget)));
        }
        if (policy.merge() instanceof MergeSpec.ValueMerge vm)
            holds(KvpressChecks.valueMerge(run, block, compressor.merger().merge(block, kept), vm, Tolerance.MERGE));
    }

    private static void holds(Verdict v) { assertTrue(v.holds(), v::toString); }

}
