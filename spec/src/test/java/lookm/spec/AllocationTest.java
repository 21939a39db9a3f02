package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.spec.allocate.AllocationNames;
import lookm.spec.allocate.Allocators;
import lookm.spec.allocate.Apportion;
import lookm.spec.allocate.LayerProfiles;
import lookm.spec.invariant.AllocationInvariants;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Allocator;
import lookm.spec.policy.Policies;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Window;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

/** Hand-computed allocations (SPEC.md §3A) and the allocation predicates on deliberately wrong answers. */
class AllocationTest {
    static final SelectSpec TOPK = new SelectSpec.TopK(0, new Window.Fixed(1));

    @Test
    void adaKvSharesOneTopOverTheHeadsAfterTheFloors() {
        // H = 2, T = 6, C = 3 (window 1: position 5), α = 1/3 → floor max(1, 1) = 1 (the window)
        Scores s = new Scores(new float[] {9, 8, 7, 1, 1, 0, /* head 1 */ 1, 1, 1, 1, 1, 0}, 2, 6);
        Allocator adakv = Allocators.of(new AllocateSpec.HeadAdaptive(1 / 3.0), TOPK);
        Allocation a = adakv.allocate(s, TokenLayout.allText(6), Budget.counts(2, 1), LayerContext.single());
        // remaining 2·3 − 2 = 4 picks over both heads: 9, 8, 7 of head 0, then the first 1 of head 0 (lower head wins the tie)
        assertArrayEquals(new int[] {5, 1}, a.perHead());
        assertTrue(AllocationInvariants.layerTotalRespected(new AllocateSpec.HeadAdaptive(1 / 3.0), a, Budget.counts(2, 1)).holds());
    }

    @Test
    void adaKvFloorsGuardEveryHead() {
        Scores s = new Scores(new float[] {9, 8, 7, 6, 5, 0, /* head 1 */ 1, 1, 1, 1, 1, 0}, 2, 6);
        AllocateSpec.HeadAdaptive spec = new AllocateSpec.HeadAdaptive(1);
        Allocation a = Allocators.of(spec, TOPK).allocate(s, TokenLayout.allText(6), Budget.counts(2, 1), LayerContext.single());
        assertArrayEquals(new int[] {3, 3}, a.perHead(), "α = 1: every head keeps C");
        assertTrue(AllocationInvariants.floorsHold(spec, TOPK, a, Budget.counts(2, 1)).holds());
        assertFalse(AllocationInvariants.floorsHold(spec, TOPK, new Allocation(new int[] {4, 2}, 6, false), Budget.counts(2, 1)).holds());
        assertFalse(AllocationInvariants.layerTotalRespected(spec, new Allocation(new int[] {4, 3}, 6, false), Budget.counts(2, 1)).holds());
    }

    @Test
    void adaKvRefusesSelectionsThatDoNotKeepExactlyTheirBudget() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Policies.named("lookm").withAllocation(new AllocateSpec.HeadAdaptive(0.2)));
        assertTrue(e.getMessage().contains("policy lookm") && e.getMessage().contains("budgeted text prior"), e.getMessage());
    }

    @Test
    void pyramidFollowsKvpressIncludingTheClampedBranchAndRounding() {
        // kvpress golden case i1 (T = 676, W = 64, β = 20, L = 32): cr 0.5 is clamped (max = T − W = 612, min = 64), cr 0.9 falls back
        Allocator pyramid = Allocators.of(new AllocateSpec.Pyramid(64, 20), TOPK);
        Scores s = Scores.zeros(1, 676);
        int[] expected = {612, 347, 64};
        int[] layers = {0, 15, 31};
        for (int i = 0; i < layers.length; i++)
            assertEquals(expected[i], pyramid.allocate(s, TokenLayout.allText(676), Budget.ratios(1 - 0.5, 0), LayerContext.of(layers[i], 32)).count(0));
        assertEquals(68, pyramid.allocate(s, TokenLayout.allText(676), Budget.ratios(1 - 0.9, 0), LayerContext.of(31, 32)).count(0),
                "fallback: round(67.6) = 68, one more than int(67.6)");
    }

    @Test
    void layerProfilesMeasureDensityAndEntropyOfTheWindowAttention() {
        // T = 4, D = 1, one head; zero keys: every visible key gets the same attention → density 1, normalised entropy 1
        KvBlock flat = new KvBlock(new float[4], new float[4], 1, 4, 1, TokenLayout.allText(4));
        Observation window = new Observation(null, Queries.contiguous(new float[] {1f, 1f}, 1, 1, 2, 2), null);
        assertEquals(1.0, LayerProfiles.statistic(new AllocateSpec.SparsityAware(0.01), flat, window, 0), 1e-12);
        assertEquals(1.0, LayerProfiles.statistic(new AllocateSpec.EntropyAware(false), flat, window, 0), 1e-12);
        assertEquals(0.0, LayerProfiles.statistic(new AllocateSpec.EntropyAware(), flat, window, 0), 1e-12, "cross-modal: no image, no entropy");
        // one key far above the others: the rest fall under 1 % of the row maximum → density 1/visible; entropy near 0
        KvBlock peaked = new KvBlock(new float[] {40f, 0f, 0f, 0f}, new float[4], 1, 4, 1, TokenLayout.allText(4));
        double density = LayerProfiles.statistic(new AllocateSpec.SparsityAware(0.01), peaked, window, 0);
        assertEquals((1 / 3.0 + 1 / 4.0) / 2, density, 1e-12, "rows at positions 2 and 3 see 3 and 4 keys, one dense each");
        assertTrue(LayerProfiles.statistic(new AllocateSpec.EntropyAware(false), peaked, window, 0) < 1e-6);
        // cross-modal: positions 1-3 are image; the peak is on text position 0, so the image part is flat (entropy 1) where
        // two or more image keys are visible (rows at 2 and 3)
        KvBlock mixed = new KvBlock(new float[] {40f, 0f, 0f, 0f}, new float[4], 1, 4, 1, TokenLayout.builder().text(1).image(3).build());
        assertEquals(1.0, LayerProfiles.statistic(new AllocateSpec.EntropyAware(), mixed, window, 0), 1e-9);
        // post-vision rows only: text after the last image (position 3 here); the row at 2 (inside the image) is left out
        KvBlock textAfter = new KvBlock(new float[] {40f, 0f, 0f, 0f}, new float[4], 1, 4, 1, TokenLayout.builder().text(1).image(2).text(1).build());
        assertEquals(1 / 4.0, LayerProfiles.statistic(new AllocateSpec.SparsityAware(0.01), textAfter, window, 0), 1e-12);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerProfiles.statistic(new AllocateSpec.EntropyAware(), flat,
                Observation.none(), 3)).getMessage().contains("layer 3"));
    }

    @Test
    void largestRemainderSharesTheTotalExactlyWithCaps() {
        assertArrayEquals(new int[] {3, 2, 1}, Apportion.largestRemainder(new double[] {3, 2, 1}, 6, 10));
        assertArrayEquals(new int[] {4, 4, 2}, Apportion.largestRemainder(new double[] {10, 1, 0}, 10, 4), "capped shares pass the rest on");
        assertArrayEquals(new int[] {2, 1, 1}, Apportion.largestRemainder(new double[] {0, 0, 0}, 4, 10), "no weight: equal shares, lower first");
    }

    @Test
    void allocationNamesParseWithDefaultsAndRejectWhatTheyDoNotKnow() {
        assertEquals(new AllocateSpec.HeadAdaptive(0.2), AllocationNames.parse("adakv"));
        assertEquals(new AllocateSpec.HeadAdaptive(0.5), AllocationNames.parse("adakv(alpha=0.5)"));
        assertEquals(new AllocateSpec.Pyramid(32, 20), AllocationNames.parse("pyramidkv(window=32)"));
        assertEquals(new AllocateSpec.SparsityAware(0.01), AllocationNames.parse("vlcache"));
        assertEquals(new AllocateSpec.EntropyAware(), AllocationNames.parse("meda"));
        assertEquals(new AllocateSpec.EntropyAware(false), AllocationNames.parse("meda(cross=0)"));
        assertEquals(new AllocateSpec.EntropyAware(false), AllocationNames.parse(new AllocateSpec.EntropyAware(false).toString()));
        assertEquals(java.util.List.of(0.5, 0.25), ((AllocateSpec.LayerRatios) AllocationNames.parse("layer-ratios(0.5,0.25)")).ratios());
        for (AllocateSpec spec : new AllocateSpec[] {new AllocateSpec.Uniform(), new AllocateSpec.HeadAdaptive(0.3), new AllocateSpec.Pyramid(32, 10),
                new AllocateSpec.LayerRatios(java.util.List.of(0.5, 0.125)), new AllocateSpec.SparsityAware(0.05), new AllocateSpec.EntropyAware(),
                new AllocateSpec.EntropyAware(false)})
            assertEquals(spec, AllocationNames.parse(spec.toString()), "reports write what the parser reads: " + spec);
        for (String bad : new String[] {"adakv(beta=1)", "adakv(alpha=2)", "pyramidkv(window=1.5)", "meda(x=1)", "meda(cross=2)", "h2o", "adakv(alpha=0.2"})
            assertTrue(assertThrows(IllegalArgumentException.class, () -> AllocationNames.parse(bad)).getMessage().contains("allocation '"), bad);
    }
}
