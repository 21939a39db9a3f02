package lookm.spec.invariant;

import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.Selection;

/**
 * The allocation invariants of spec/SPEC.md §5 (I14–I17) as named predicates: the total budget is respected, the
 * floors hold, layer budgets share the model's total, and the selection keeps what was allotted.
 */
public final class AllocationInvariants {
    private AllocationInvariants() {}

    /**
     * I14, one layer: uniform gives every head C (T when the budget covers the cache); AdaKV gives Σ_h C_h = H·C exactly
     * (each C_h ≤ T); a layer allocation gives every head the same count.
     */
    public static Verdict layerTotalRespected(AllocateSpec spec, Allocation a, Budget budget) {
        String name = "layerTotalRespected";
        Budget.Resolved b = budget.resolve(a.tokens());
        int requested = b.coversCache() ? a.tokens() : b.total();
        if (spec instanceof AllocateSpec.Uniform || b.coversCache() && spec instanceof AllocateSpec.HeadAdaptive) {
            for (int h = 0; h < a.heads(); h++)
                if (a.count(h) != requested) return Verdict.fail(name, "head " + h + " is allotted " + a.count(h) + ", the budget is " + requested);
            return Verdict.ok(name);
        }
        if (spec instanceof AllocateSpec.HeadAdaptive) {
            long expected = (long) a.heads() * requested;
            return a.total() == expected ? Verdict.ok(name)
                    : Verdict.fail(name, "AdaKV allots " + a.total() + " over " + a.heads() + " heads, H·C = " + expected + " (" + a + ")");
        }
        return a.equalCounts() ? Verdict.ok(name) : Verdict.fail(name, spec + " must give every head of a layer the same count: " + a);
    }

    /**
     * I15 (AdaKV): every head keeps at least min(C, max(⌊α·C⌋, protected)), protected being the window and sinks its
     * selection always keeps ({@link Invariants#protectedCounts}).
     */
    public static Verdict floorsHold(AllocateSpec.HeadAdaptive spec, SelectSpec select, Allocation a, Budget budget) {
        if (budget.resolve(a.tokens()).coversCache()) return Verdict.ok("floorsHold");
        int[] guarded = Invariants.protectedCounts(select, a.tokens(), budget);
        return floorsHold(spec, a, budget, guarded[0] + guarded[1]);
    }

    /** I15 with the protected count given (a variant whose selection spec is not known: 0). */
    public static Verdict floorsHold(AllocateSpec.HeadAdaptive spec, Allocation a, Budget budget, int protectedCount) {
        String name = "floorsHold";
        Budget.Resolved b = budget.resolve(a.tokens());
        if (b.coversCache()) return Verdict.ok(name);
        int floor = Math.min(b.total(), Math.max((int) Math.floor(spec.alpha() * b.total()), protectedCount));
        for (int h = 0; h < a.heads(); h++)
            if (a.count(h) < floor) return Verdict.fail(name, "head " + h + " is allotted " + a.count(h) + " < floor " + floor + " (" + spec + ", C=" + b.total() + ")");
        return Verdict.ok(name);
    }

    /**
     * I16, over the L layers of a model with T tokens each: profile allocations share exactly min(L·C, L·T); PyramidKV's
     * counts never increase with l and their sum is within L/2 of L·m (m = {@link Budget#meanTotal}), each ≥ W when
     * the pyramid is active (every count differs from round(m)); layer ratios give ⌊T·ρ_l⌋.
     *
     * @param perLayer C_l of each layer
     */
    public static Verdict modelTotalRespected(AllocateSpec spec, int[] perLayer, Budget budget, int tokens) {
        String name = "modelTotalRespected";
        int layers = perLayer.length;
        Budget.Resolved b = budget.resolve(tokens);
        long sum = 0;
        for (int c : perLayer) sum += c;
        if (b.coversCache()) return Verdict.ok(name);
        if (spec.needsProfile()) {
            long expected = Math.min((long) layers * b.total(), (long) layers * tokens);
            return sum == expected ? Verdict.ok(name) : Verdict.fail(name, spec + " shares " + sum + " over " + layers + " layers, expected " + expected);
        }
        if (spec instanceof AllocateSpec.Pyramid p) {
            double mean = budget.meanTotal(tokens);
            for (int l = 1; l < layers; l++)
                if (perLayer[l] > perLayer[l - 1]) return Verdict.fail(name, "pyramid grows from layer " + (l - 1) + " to " + l + ": " + perLayer[l - 1] + " → " + perLayer[l]);
            boolean pyramid = perLayer[0] != (long) Math.rint(mean) || perLayer[layers - 1] != (long) Math.rint(mean);
            if (pyramid && perLayer[layers - 1] < Math.min(p.window(), tokens))
                return Verdict.fail(name, "pyramid's top layer keeps " + perLayer[layers - 1] + " < W = " + p.window());
            boolean capped = (long) Math.rint(mean) > tokens;
            if (!capped && Math.abs(sum - layers * mean) > layers / 2.0 + 1e-9)
                return Verdict.fail(name, "pyramid keeps " + sum + " over " + layers + " layers, L·m = " + layers * mean + " (off by more than L/2)");
            return Verdict.ok(name);
        }
        if (spec instanceof AllocateSpec.LayerRatios r) {
            for (int l = 0; l < layers; l++) {
                int expected = (int) Math.floor((double) tokens * r.ratios().get(l));
                if (perLayer[l] != expected) return Verdict.fail(name, "layer " + l + " keeps " + perLayer[l] + ", ⌊T·ρ_l⌋ = " + expected);
            }
        }
        return Verdict.ok(name);
    }

    /** I17: with a selection that keeps exactly its budget (not the released text prior), head h keeps C_h. */
    public static Verdict keptFollowsAllocation(Selection s, Allocation a) {
        for (int h = 0; h < s.heads(); h++)
            if (s.keptCount(h) != a.count(h))
                return Verdict.fail("keptFollowsAllocation", "head " + h + " keeps " + s.keptCount(h) + ", allotted " + a.count(h));
        return Verdict.ok("keptFollowsAllocation");
    }
}
