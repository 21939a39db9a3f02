package lookm.properties;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import lookm.properties.contract.PolicyChecks;
import lookm.properties.contract.Require;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Draw;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.spec.tensor.CompressedLayer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property 6, every registered policy: the same input gives bit-identical output across runs and threads; permuting
 * the KV heads (with their query-head groups) permutes the outputs.
 */
@ExtendWith(ReplayExtension.class)
class DeterminismProperties {
    static final int THREADS = 3;

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#policies")
    void theSameInputGivesBitIdenticalOutputAcrossRunsAndThreads(String policy) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            Theories.check(1, CacheCases.any(Limits.DEFAULT), c -> {
                CompressedLayer first = ReferenceRuns.run(policy, c);
                Require.holds(policy, PolicyChecks.identical(first, ReferenceRuns.run(policy, c), "second run"));
                List<Future<CompressedLayer>> runs = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) runs.add(pool.submit(() -> ReferenceRuns.run(policy, c)));
                for (Future<CompressedLayer> f : runs) Require.holds(policy, PolicyChecks.identical(first, join(f), "run on another thread"));
            });
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lookm.properties.contract.Registered#headSymmetricPolicies")
    void permutingHeadsPermutesTheOutputs(String policy) {
        Theories.check(1, permuted(), p -> Require.holds(policy, PolicyChecks.permutesWithHeads(
                ReferenceRuns.run(policy, p.original()), ReferenceRuns.run(policy, p.original().permuteHeads(p.order())), p.order())));
    }

    record Permuted(CacheCase original, int[] order) {
        @Override public String toString() { return original.describe() + "  head order " + java.util.Arrays.toString(order); }
    }

    /** A case and a random permutation of its KV heads (Fisher–Yates; shrinks to the identity). */
    static Draw<Permuted> permuted() {
        return s -> {
            CacheCase c = CacheCases.any(Limits.DEFAULT).draw(s);
            int[] order = new int[c.shape().kvHeads()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            for (int i = order.length - 1; i > 0; i--) {
                int j = i - s.intBetween(0, i), swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            return new Permuted(c, order);
        };
    }

    private static CompressedLayer join(Future<CompressedLayer> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the policy failed on another thread: " + e.getCause(), e.getCause());
        }
    }
}
