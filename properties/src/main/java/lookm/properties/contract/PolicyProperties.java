package lookm.properties.contract;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import lookm.properties.gen.BudgetKind;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Draw;
import lookm.properties.gen.Limits;
import lookm.properties.qt.Theories;
import lookm.spec.invariant.Invariants;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.TieOrder;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import org.junit.jupiter.api.Assumptions;

/**
 * Properties 2-6 of a registered policy on any backend, each run on generated caches and failing with the smallest
 * case, its seed and the replay command. The *Properties test classes call these with the reference backend; the
 * suite's own tests call them with deliberately broken backends to show that they fail.
 */
public final class PolicyProperties {
    /** Threads of the determinism property. */
    public static final int THREADS = 3;

    private PolicyProperties() {}

    /** Property 2: kept count = formula, at most T, window and sinks kept, partition. */
    public static void budget(Backend backend, String policy, Limits limits) { budget(backend, policy, limits, 1); }

    /** As above, with {@code scale} times the configured examples. */
    public static void budget(Backend backend, String policy, Limits limits, double scale) {
        PolicySpec p = Policies.named(policy);
        Compressor c = runnable(backend, p);
        Theories.check(scale, CacheCases.any(limits), k -> {
            Compressor.Stages s = stages(c, k);
            Require.allHold(label(backend, policy), PolicyChecks.budget(p, k, s.scores(), s.layer()));
        });
    }

    /** Property 2 (order): the selection's free part follows spec's KeepOrder on the scores the backend computed. */
    public static void selectionOrder(Backend backend, String policy, Limits limits) { selectionOrder(backend, policy, limits, 1); }

    /** As above, with {@code scale} times the configured examples. */
    public static void selectionOrder(Backend backend, String policy, Limits limits, double scale) {
        PolicySpec p = Policies.named(policy);
        Compressor c = runnable(backend, p);
        Theories.check(scale, CacheCases.any(limits), k -> {
            Compressor.Stages s = stages(c, k);
            Require.holds(label(backend, policy), PolicyChecks.keptRankBeforeEvicted(p, k, s.scores(), s.selection()));
        });
    }

    /**
     * Property 2 (tie orders): on the same scores, ties=torch-cpu and ties=position keep identical sets on every head
     * where no tie straddles the cut; where one does, both are valid top-N sets of the same size. Returns how many
     * heads kept different sets (coverage: a generator without ties at the cut would make this vacuous).
     */
    public static int tieOrders(Backend backend, String policy, Limits limits) {
        PolicySpec position = Policies.named(policy).withTies(TieOrder.POSITION), torch = position.withTies(TieOrder.TORCH_CPU);
        Compressor byPosition = backend.compressor(position), byTorch = backend.compressor(torch);
        AtomicInteger differing = new AtomicInteger();
        Theories.check(1, CacheCases.any(limits), k -> {
            Scores scores = byPosition.scorer().score(k.block(), k.observation(), k.budget());
            Selection p = byPosition.selector().select(scores, k.layout(), k.budget()), t = byTorch.selector().select(scores, k.layout(), k.budget());
            Require.holds(label(backend, policy) + " ties=position", PolicyChecks.keptRankBeforeEvicted(position, k, scores, p));
            Require.holds(label(backend, policy) + " ties=torch-cpu", PolicyChecks.keptRankBeforeEvicted(torch, k, scores, t));
            for (int h = 0; h < p.heads(); h++) {
                if (Arrays.equals(p.kept(h), t.kept(h))) continue;
                differing.incrementAndGet();
                String violation = p.kept(h).length != t.kept(h).length ? "kept " + p.kept(h).length + " vs " + t.kept(h).length + " tokens"
                        : PolicyChecks.tieStraddlesCut(position, k, scores, p, h) ? null : "different sets without a tie at the cut";
                Require.holds(label(backend, policy) + " head " + h, Require.verdict("tieOrdersAgreeBesideTies", violation));
            }
        });
        return differing.get();
    }

    /** Property 3: text retention of text-prior policies (no-op for others). */
    public static void textRetention(Backend backend, String policy, Limits limits) { textRetention(backend, policy, limits, 1); }

    /** As above, with {@code scale} times the configured examples. */
    public static void textRetention(Backend backend, String policy, Limits limits, double scale) {
        PolicySpec p = Policies.named(policy);
        Compressor c = runnable(backend, p);
        Theories.check(scale, CacheCases.any(limits), k -> Require.allHold(label(backend, policy), PolicyChecks.textRetention(p, k, run(c, k))));
    }

    /** Property 4: matches, tie rule, merge formula, untouched rows bit-identical. */
    public static void merge(Backend backend, String policy, Limits limits) { merge(backend, policy, limits, 1); }

    /** As above, with {@code scale} times the configured examples. */
    public static void merge(Backend backend, String policy, Limits limits, double scale) {
        PolicySpec p = Policies.named(policy);
        Compressor c = runnable(backend, p);
        Theories.check(scale, CacheCases.any(limits), k -> Require.allHold(label(backend, policy), PolicyChecks.merge(p, k, run(c, k))));
    }

    /** Property 5a: a covering budget changes nothing. */
    public static void identity(Backend backend, String policy, Limits limits) { identity(backend, policy, limits, 1); }

    /** As above, with {@code scale} times the configured examples. */
    public static void identity(Backend backend, String policy, Limits limits, double scale) {
        PolicySpec p = Policies.named(policy);
        Compressor c = runnable(backend, p);
        Theories.check(scale, CacheCases.withBudgets(limits, List.of(BudgetKind.COVERING)), k ->
                Require.holds(label(backend, policy), PolicyChecks.identityWhenCovering(p, k, run(c, k))));
    }

    /** Property 5b: with absolute budgets and one recent window, a larger heavy count keeps a superset. */
    public static void nested(Backend backend, String policy, Limits limits) { nested(backend, policy, limits, 1); }

    /** As above, with {@code scale} times the configured examples. */
    public static void nested(Backend backend, String policy, Limits limits, double scale) {
        Compressor c = runnable(backend, Policies.named(policy));
        Theories.check(scale, BudgetPair.draw(limits), pair -> Require.holds(label(backend, policy) + ", " + pair.smaller().budget() + " within "
                + pair.larger().budget(), Invariants.nested(run(c, pair.smaller()).selection(), run(c, pair.larger()).selection())));
    }

    /** Property 6a: bit-identical across runs and, when {@code threads}, across threads sharing one compressor. */
    public static void determinism(Backend backend, String policy, Limits limits, boolean threads) {
        determinism(backend, policy, limits, threads, 1);
    }

    /** As above, with {@code scale} times the configured examples. */
    public static void determinism(Backend backend, String policy, Limits limits, boolean threads, double scale) {
        Compressor c = runnable(backend, Policies.named(policy));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            Theories.check(scale, CacheCases.any(limits), k -> {
                CompressedLayer first = run(c, k);
                Require.holds(label(backend, policy), PolicyChecks.identical(first, run(c, k), "second run"));
                if (!threads) return;
                List<Future<CompressedLayer>> runs = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) runs.add(pool.submit(() -> run(c, k)));
                for (Future<CompressedLayer> f : runs) Require.holds(label(backend, policy), PolicyChecks.identical(first, join(f), "run on another thread"));
            });
        } finally {
            pool.shutdownNow();
        }
    }

    /** Property 6b: permuting the KV heads (with their query groups) permutes the outputs. */
    public static void headPermutation(Backend backend, String policy, Limits limits) { headPermutation(backend, policy, limits, 1); }

    /** As above, with {@code scale} times the configured examples. */
    public static void headPermutation(Backend backend, String policy, Limits limits, double scale) {
        Compressor c = runnable(backend, Policies.named(policy));
        Theories.check(scale, Permuted.draw(limits), p -> Require.holds(label(backend, policy),
                PolicyChecks.permutesWithHeads(run(c, p.original()), run(c, p.original().permuteHeads(p.order())), p.order())));
    }

    /** Property 1: {@code candidate} agrees with {@code reference} under the near-tie rules of {@link Equivalence}. */
    public static void equivalence(Backend reference, Backend candidate, String policy, Limits limits, double scale) {
        equivalence(reference, candidate, Policies.named(policy), limits, scale);
    }

    /** Property 1 for any policy spec, e.g. a registered one with its scores recomputed from the prefill queries. */
    public static void equivalence(Backend reference, Backend candidate, PolicySpec p, Limits limits, double scale) {
        String policy = p.name() + (p.name().equals(p.expression()) ? "" : " (" + p.score().expression() + ")");
        Compressor r = runnable(reference, p), c = runnable(candidate, p);
        Theories.check(scale, CacheCases.any(limits), k -> Require.holds(label(candidate, policy) + " vs " + reference.name(),
                Equivalence.compare(p, k.block(), stages(r, k), stages(c, k))));
    }

    /**
     * The policy's compressor on {@code backend}; a backend that lacks one of its stages ({@link Backend#supports}) is a
     * visible skip with the backend's reason, never an error mid-suite.
     */
    public static Compressor runnable(Backend backend, PolicySpec policy) {
        Backend.Support s = backend.supports(policy);
        Assumptions.assumeTrue(s.supported(), () -> "SKIPPED: " + s.reason());
        return backend.compressor(policy);
    }

    private static CompressedLayer run(Compressor c, CacheCase k) { return c.compress(k.block(), k.observation(), k.budget()); }

    private static Compressor.Stages stages(Compressor c, CacheCase k) { return c.run(k.block(), k.observation(), k.budget()); }

    private static String label(Backend backend, String policy) { return policy + " on " + backend.name(); }

    private static CompressedLayer join(Future<CompressedLayer> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("the policy failed on another thread: " + e.getCause(), e.getCause());
        }
    }

    /** A case with counts (n1, R) and the same case with counts (n2, R), n1 <= n2. */
    public record BudgetPair(CacheCase smaller, CacheCase larger) {
        static Draw<BudgetPair> draw(Limits limits) {
            return s -> {
                CacheCase c = CacheCases.withBudgets(limits, List.of(BudgetKind.RANDOM_COUNTS)).draw(s);
                int t = c.tokens(), recent = s.intBetween(0, t / 2), n1 = s.intBetween(0, t), n2 = s.intBetween(n1, t + 1);
                return new BudgetPair(c.withBudget(Budget.counts(n1, recent), BudgetKind.RANDOM_COUNTS),
                        c.withBudget(Budget.counts(n2, recent), BudgetKind.RANDOM_COUNTS));
            };
        }

        @Override public String toString() { return smaller.describe() + "  larger budget " + larger.budget(); }
    }

    /** A case and a permutation of its KV heads (Fisher–Yates; shrinks to the identity). */
    public record Permuted(CacheCase original, int[] order) {
        static Draw<Permuted> draw(Limits limits) {
            return s -> {
                CacheCase c = CacheCases.any(limits).draw(s);
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

        @Override public String toString() { return original.describe() + "  head order " + Arrays.toString(order); }
    }
}
