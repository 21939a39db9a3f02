package lookm.bench.conform;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Limits;
import lookm.properties.qt.Theories;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Tolerance;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.AsString;
import org.quicktheories.core.Configuration;
import org.quicktheories.core.Reporter;
import org.quicktheories.core.Strategy;

/**
 * The variant contract for a variant outside the JVM (SPEC.md §5 invariants, bench/README.md "lookm conform"):
 * each generated case goes to the worker, and its answer must (1) name valid kept positions, (2) partition the cache,
 * (3) keep at most the budget, (4) be finite, (5) change nothing when the budget covers the cache, (6) be the same
 * when asked again, and (7) when the variant claims a registered policy, equal the reference's kept sets with K/V
 * within {@link Tolerance#MERGE}. Failures shrink (QuickTheories) to the smallest case found.
 */
public final class Conformance {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private final PythonWorker worker;
    private final PolicySpec claimed;

    /** @param claimed the registered policy the variant claims to match, or null */
    public Conformance(PythonWorker worker, PolicySpec claimed) {
        this.worker = worker;
        this.claimed = claimed;
    }

    /** The outcome of a run: passed, a contract failure (shrunk), or a worker failure, each with its case. */
    public record Outcome(int examples, CacheCase failing, String violation, PythonWorker.WorkerFailedException workerFailure, CacheCase workerCase) {
        public boolean passed() { return failing == null && workerFailure == null; }
    }

    /** Runs {@code examples} generated cases from {@code seed}, shrinking a failure at most {@code shrinks} cycles. */
    public Outcome run(long seed, int examples, int shrinks) {
        State state = new State();
        Strategy strategy = Configuration.systemStrategy().withFixedSeed(seed).withExamples(examples)
                .withShrinkCycles(shrinks).withReporter(state);
        QuickTheory.qt(() -> strategy).forAll(Theories.gen(CacheCases.any(Limits.DEFAULT))).checkAssert(c -> {
            if (state.workerFailure != null) return;                         // a dead worker proves nothing: stop asking
            List<Verdict> verdicts;
            try {
                verdicts = check(c.block(), c.observation(), c.budget());
            } catch (PythonWorker.WorkerFailedException e) {
                state.workerFailure = e;
                state.workerCase = c;
                return;
            }
            for (Verdict v : verdicts) if (!v.holds()) throw new AssertionError(v.toString());
        });
        return new Outcome(examples, state.smallest, state.violation, state.workerFailure, state.workerCase);
    }

    /** Every check of one case; the failing ones have {@code holds() == false}. @throws PythonWorker.WorkerFailedException */
    public List<Verdict> check(KvBlock block, Observation observation, Budget budget) {
        List<Verdict> out = new ArrayList<>();
        WorkerProtocol.Answer answer = worker.compress(block, observation, budget);
        if (answer.error() != null) return List.of(new Verdict("variantRuns", false, "the variant raised: " + answer.error()));
        String invalid = invalidPositions(answer.kept(), block.tokens());
        // (1) kept positions strictly ascending in [0, T)
        out.add(new Verdict("keptPositionsValid", invalid == null, invalid));
        if (invalid != null) return out;
        CompressedLayer layer = layer(block, answer);
        Budget.Resolved b = budget.resolve(block.tokens());
        out.add(Invariants.keptAndEvictedPartition(layer));                                            // (2)
        if (claimed == null)                                                                           // (3) (with a claim, (7) is stronger)
            out.add(Invariants.keptAtMost(layer.selection(), b.coversCache() ? block.tokens() : Math.min(b.total(), block.tokens())));
        out.add(Invariants.finite(layer));                                                             // (4)
        if (b.coversCache()) out.add(Invariants.identity(block, layer));                               // (5)
        WorkerProtocol.Answer again = worker.compress(block, observation, budget);                      // (6)
        out.add(again.error() != null || invalidPositions(again.kept(), block.tokens()) != null
                ? new Verdict("identical", false, "asked again, the variant " + (again.error() != null ? "raised: " + again.error() : "returned invalid positions"))
                : Invariants.identical(layer, layer(block, again)));
        if (claimed != null) out.add(matchesReference(block, REFERENCE.compressor(claimed).compress(block, observation, budget), layer));  // (7)
        return out;
    }

    /** (7): identical kept sets per head, then every kept row's K and V within {@link Tolerance#MERGE}. */
    private Verdict matchesReference(KvBlock block, CompressedLayer reference, CompressedLayer got) {
        String predicate = "matches " + claimed.name();
        for (int h = 0; h < block.heads(); h++) {
            int[] ref = reference.head(h).kept(), kept = got.head(h).kept();
            if (!Arrays.equals(ref, kept))
                return new Verdict(predicate, false, "head " + h + ": kept " + Arrays.toString(kept) + ", reference " + claimed.name() + " keeps " + Arrays.toString(ref));
            Verdict k = Tolerance.MERGE.compare(reference.head(h).keys(), got.head(h).keys(), "head " + h + " keys");
            if (!k.holds()) return new Verdict(predicate, false, "head " + h + " merged keys: " + k.detail());
            Verdict v = Tolerance.MERGE.compare(reference.head(h).values(), got.head(h).values(), "head " + h + " values");
            if (!v.holds()) return new Verdict(predicate, false, "head " + h + " merged values: " + v.detail());
        }
        return new Verdict(predicate, true, "");
    }

    /** Null when every head's positions are strictly ascending in [0, T), else the first offence. */
    static String invalidPositions(int[][] kept, int tokens) {
        for (int h = 0; h < kept.length; h++)
            for (int i = 0; i < kept[h].length; i++)
                if (kept[h][i] < 0 || kept[h][i] >= tokens || (i > 0 && kept[h][i] <= kept[h][i - 1]))
                    return "head " + h + ": kept positions must be strictly ascending in [0, " + tokens + "), got " + Arrays.toString(kept[h]);
        return null;
    }

    /** The answer as a layer: the merged rows when the worker sent them, else the kept rows of the block (drop). */
    static CompressedLayer layer(KvBlock block, WorkerProtocol.Answer answer) {
        int tokens = block.tokens(), dim = block.headDim();
        List<HeadCompression> heads = new ArrayList<>();
        for (int h = 0; h < block.heads(); h++) {
            int[] kept = answer.kept()[h];
            boolean[] isKept = new boolean[tokens];
            for (int t : kept) isKept[t] = true;
            int[] evicted = new int[tokens - kept.length];
            for (int t = 0, n = 0; t < tokens; t++) if (!isKept[t]) evicted[n++] = t;
            float[] keys, values;
            if (answer.merged()) {
                keys = answer.keys()[h];
                values = answer.values()[h];
            } else {
                keys = new float[kept.length * dim];
                values = new float[kept.length * dim];
                for (int r = 0; r < kept.length; r++) {
                    System.arraycopy(block.keys(), block.offset(h, kept[r]), keys, r * dim, dim);
                    System.arraycopy(block.values(), block.offset(h, kept[r]), values, r * dim, dim);
                }
            }
            heads.add(HeadCompression.dropped(kept, evicted, keys, values));
        }
        return new CompressedLayer(heads, tokens, dim, block.layout());
    }

    /** The reporter: keeps the smallest falsifying case instead of throwing. */
    private static final class State implements Reporter {
        CacheCase smallest;
        String violation;
        PythonWorker.WorkerFailedException workerFailure;
        CacheCase workerCase;

        @Override public void falisification(long seed, int examples, Object smallest, Throwable cause, List<Object> others, AsString<Object> show) {
            this.smallest = (CacheCase) smallest;
            this.violation = cause == null ? "falsified" : cause.getMessage();
        }

        @Override public void falisification(long seed, int examples, Object smallest, List<Object> others, AsString<Object> show) {
            falisification(seed, examples, smallest, null, others, show);
        }

        @Override public void valuesExhausted(int examples) {
            throw new IllegalStateException("gave up after finding only " + examples + " example(s)");
        }
    }
}
