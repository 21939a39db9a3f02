package lookm.properties.contract;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import lookm.properties.gen.BudgetKind;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Draw;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.spec.invariant.AllocationInvariants;
import lookm.spec.invariant.Invariants;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The generic contract of an eviction variant: a test class implements {@link #variants()} (one entry per backend
 * the variant runs on) and inherits these properties, each checked on generated multimodal caches:
 * kept and evicted partition the cache, the budget bound, finite outputs, determinism across runs and threads,
 * identity when the budget covers the cache, and agreement with the first backend when there are several.
 *
 * <pre>{@code
 * class MyVariantTest implements VariantContract {
 *     @Override public Map<String, Variant> variants() {
 *         return Map.of("reference", Variant.of(new MyScore(), new TopKSelect(...), new DropMerge()));
 *     }
 * }
 * }</pre>
 */
@ExtendWith(ReplayExtension.class)
public interface VariantContract {
    /** Threads of the determinism check. */
    int THREADS = 4;

    /**
     * The variant under test on each backend, by backend name. With several entries, use an ordered map
     * ({@code LinkedHashMap}, or {@code Map.of} with one entry): the first is the oracle of {@link #backendsAgree()}.
     */
    Map<String, Variant> variants();

    /** The most tokens a head may keep: T when the budget covers the cache, else N + R. Override for variants that keep more. */
    default int maxKept(CacheCase c) {
        Budget.Resolved b = c.budget().resolve(c.tokens());
        return b.coversCache() ? c.tokens() : b.total();
    }

    /**
     * The allocation the variant runs under (SPEC.md §3A). Uniform: every head keeps at most {@link #maxKept}. AdaKV:
     * the layer keeps at most H·maxKept in total, every head at least its floor ⌊α·C⌋ and at most T
     * ({@link #keepsAtMostTheBudget}).
     */
    default AllocateSpec allocation() { return new AllocateSpec.Uniform(); }

    /** Whether one instance may run on several threads at once (the OpenCL backend may not: one in-order queue). */
    default boolean threadSafe() { return true; }

    /** Shapes of the generated caches. */
    default Limits limits() { return Limits.DEFAULT; }

    /** Examples of each contract property, as a multiple of -Dlookm.examples. */
    default double examplesScale() { return 1.0; }

    /** The cases every contract property draws from. */
    default Draw<CacheCase> cases() { return CacheCases.any(limits()); }

    @Test
    default void keptAndEvictedPartitionTheCache() {
        forEachBackend((backend, variant) -> Theories.check(examplesScale(), cases(), c ->
                Require.holds(backend, Invariants.keptAndEvictedPartition(variant.compress(c.block(), c.observation(), c.budget())))));
    }

    @Test
    default void keepsAtMostTheBudget() {
        forEachBackend((backend, variant) -> Theories.check(examplesScale(), cases(), c -> {
            CompressedLayer out = variant.compress(c.block(), c.observation(), c.budget());
            if (!(allocation() instanceof AllocateSpec.HeadAdaptive)) {
                Require.holds(backend, Invariants.keptAtMost(out.selection(), Math.min(maxKept(c), c.tokens())));
                return;
            }
            // AdaKV: the bound is the layer's H·C; each head at most T and at least its floor ⌊α·C⌋ (I15)
            Require.holds(backend, Invariants.keptAtMost(out.selection(), c.tokens()));
            long total = out.keptEntries(), bound = (long) out.headCount() * Math.min(maxKept(c), c.tokens());
            Require.holds(backend, Require.verdict("layerKeptAtMost", total <= bound ? null : "the layer keeps " + total + " > H·C = " + bound));
            int[] kept = new int[out.headCount()];
            for (int h = 0; h < kept.length; h++) kept[h] = out.head(h).keptCount();
            Require.holds(backend, AllocationInvariants.floorsHold((AllocateSpec.HeadAdaptive) allocation(), new Allocation(kept, c.tokens(), false),
                    c.budget(), 0));
        }));
    }

    @Test
    default void outputsAreFinite() {
        forEachBackend((backend, variant) -> Theories.check(examplesScale(), cases(), c ->
                Require.holds(backend, Invariants.finite(variant.compress(c.block(), c.observation(), c.budget())))));
    }

    @Test
    default void isDeterministicAcrossRunsAndThreads() {
        forEachBackend((backend, variant) -> Theories.check(examplesScale(), cases(), c -> {
            CompressedLayer first = variant.compress(c.block(), c.observation(), c.budget());
            Require.holds(backend, PolicyChecks.identical(first, variant.compress(c.block(), c.observation(), c.budget()), "second run"));
            if (threadSafe()) for (CompressedLayer other : concurrently(variant, c))
                Require.holds(backend, PolicyChecks.identical(first, other, "run on another thread"));
        }));
    }

    @Test
    default void changesNothingWhenTheBudgetCoversTheCache() {
        Draw<CacheCase> covering = CacheCases.withBudgets(limits(), List.of(BudgetKind.COVERING));
        forEachBackend((backend, variant) -> Theories.check(examplesScale(), covering, c ->
                Require.holds(backend, Invariants.identity(c.block(), variant.compress(c.block(), c.observation(), c.budget())))));
    }

    @Test
    default void backendsAgree() {
        List<Map.Entry<String, Variant>> all = new ArrayList<>(variants().entrySet());
        Assumptions.assumeTrue(all.size() > 1, "only one backend (" + all.get(0).getKey() + "): nothing to compare it with");
        Variant oracle = all.get(0).getValue();
        for (Map.Entry<String, Variant> e : all.subList(1, all.size()))
            Theories.check(examplesScale(), cases(), c -> Require.holds(e.getKey() + " vs " + all.get(0).getKey(), Equivalence.compare(c.block(),
                    oracle.compress(c.block(), c.observation(), c.budget()), e.getValue().compress(c.block(), c.observation(), c.budget()))));
    }

    private void forEachBackend(java.util.function.BiConsumer<String, Variant> check) {
        Map<String, Variant> variants = variants();
        assertTrue(!variants.isEmpty(), "variants() must name at least one backend");
        variants.forEach(check);
    }

    /** The variant run on {@link #THREADS} threads at once on the same input. */
    private static List<CompressedLayer> concurrently(Variant variant, CacheCase c) {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<CompressedLayer>> runs = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) runs.add(pool.submit(() -> variant.compress(c.block(), c.observation(), c.budget())));
            List<CompressedLayer> out = new ArrayList<>();
            for (Future<CompressedLayer> f : runs) out.add(f.get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running the variant on " + THREADS + " threads", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the variant failed on another thread: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
