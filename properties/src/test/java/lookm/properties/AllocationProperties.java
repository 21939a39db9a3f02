package lookm.properties;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import lookm.properties.contract.Require;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.CacheCases;
import lookm.properties.gen.Draw;
import lookm.properties.gen.Limits;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.AllocationInvariants;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.AllocateSpec;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.TextPriorMode;
import lookm.spec.tensor.Allocation;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Scores;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The allocation stage (SPEC.md §3A) on the reference, for every allocation and every registered policy it can run
 * in front of: I14 (a layer's total), I15 (AdaKV's floors), I16 (the model's total over L layers), I17 (the
 * selection keeps what was allotted), partition, finiteness and determinism; on generated caches and, for the layer
 * allocations, a generated model position (l of L) and first-pass profile.
 */
@ExtendWith(ReplayExtension.class)
class AllocationProperties {
    static final ReferenceBackend REFERENCE = new ReferenceBackend();
    /** Most layers of a generated model. */
    static final int MAX_LAYERS = 6;
    /** PyramidKV's window in the generated cases (T ≤ 48 here), and kvpress's β. */
    static final int PYRAMID_WINDOW = 4;
    static final double PYRAMID_BETA = 20;

    /** A cache case at layer l of L, with a first-pass profile and per-layer ratios for the layer allocations. */
    record LayerCase(CacheCase cache, int layer, int layers, double[] profile, List<Double> ratios) {
        @Override public String toString() {
            return cache + " at layer " + layer + " of " + layers + ", profile " + Arrays.toString(profile) + ", ratios " + ratios;
        }
    }

    static Draw<LayerCase> layerCases() {
        return CacheCases.any(Limits.DEFAULT).flatMap(c -> s -> {
            int layers = s.intBetween(1, MAX_LAYERS), layer = s.intBetween(0, layers - 1);
            double[] profile = new double[layers];
            List<Double> ratios = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                profile[l] = s.unsignedGrid(1, 4);
                ratios.add((double) s.unsignedGrid(1, 4));
            }
            return new LayerCase(c, layer, layers, profile, ratios);
        });
    }

    /** (allocation, policy) pairs: AdaKV in front of every budget-exact ranking selection, the layer allocations in front of all. */
    static Stream<String> pairs() {
        List<String> out = new ArrayList<>();
        for (PolicySpec p : Policies.all()) {
            for (String a : List.of("uniform", "pyramidkv", "layer-ratios", "vlcache", "meda")) out.add(a + " " + p.name());
            if (rankedExactly(p.select())) for (String a : List.of("adakv-0", "adakv-0.2", "adakv-1")) out.add(a + " " + p.name());
        }
        return out.stream();
    }

    static boolean rankedExactly(SelectSpec s) {
        return s instanceof SelectSpec.TopK || (s instanceof SelectSpec.TextPrior tp && tp.mode() == TextPriorMode.BUDGETED);
    }

    static AllocateSpec spec(String name, LayerCase c) {
        return switch (name) {
            case "uniform" -> new AllocateSpec.Uniform();
            case "pyramidkv" -> new AllocateSpec.Pyramid(PYRAMID_WINDOW, PYRAMID_BETA);
            case "layer-ratios" -> new AllocateSpec.LayerRatios(c.ratios());
            case "vlcache" -> new AllocateSpec.SparsityAware(0.01);
            case "meda" -> new AllocateSpec.EntropyAware();
            default -> new AllocateSpec.HeadAdaptive(Double.parseDouble(name.substring("adakv-".length())));
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void allocationKeepsItsTotalsFloorsAndSelection(String pair) {
        String[] parts = pair.split(" ");
        Theories.check(0.2, layerCases(), c -> {
            AllocateSpec spec = spec(parts[0], c);
            PolicySpec policy = Policies.named(parts[1]).withAllocation(spec);
            Compressor compressor = REFERENCE.compressor(policy);
            CacheCase k = c.cache();
            LayerContext layer = new LayerContext(c.layer(), c.layers(), spec.needsProfile() ? c.profile() : null);
            Scores scores = compressor.scorer().score(k.block(), k.observation(), k.budget());
            Allocation share = compressor.allocator().allocate(scores, k.layout(), k.budget(), layer);
            CompressedLayer out = compressor.compress(k.block(), k.observation(), k.budget(), layer);
            List<Verdict> v = new ArrayList<>(List.of(
                    AllocationInvariants.layerTotalRespected(spec, share, k.budget()),
                    Invariants.keptAndEvictedPartition(out),
                    Invariants.finite(out),
                    Invariants.identical(out, compressor.compress(k.block(), k.observation(), k.budget(), layer)),
                    sameAllocation(share, compressor.allocator().allocate(scores, k.layout(), k.budget(), layer))));
            if (spec instanceof AllocateSpec.HeadAdaptive a) v.add(AllocationInvariants.floorsHold(a, policy.select(), share, k.budget()));
            if (rankedExactly(policy.select()) || policy.select() instanceof SelectSpec.Streaming)
                v.add(AllocationInvariants.keptFollowsAllocation(out.selection(), share));
            if (spec.needsLayer()) {
                int[] perLayer = new int[c.layers()];
                for (int l = 0; l < c.layers(); l++)
                    perLayer[l] = compressor.allocator().allocate(scores, k.layout(), k.budget(), layer(c, l, spec)).count(0);
                v.add(AllocationInvariants.modelTotalRespected(spec, perLayer, k.budget(), k.tokens()));
            }
            Require.allHold("reference " + pair, v);
        });
    }

    private static LayerContext layer(LayerCase c, int l, AllocateSpec spec) {
        return new LayerContext(l, c.layers(), spec.needsProfile() ? c.profile() : null);
    }

    private static Verdict sameAllocation(Allocation a, Allocation b) {
        return Require.verdict("allocationDeterministic", Arrays.equals(a.perHead(), b.perHead()) ? null : a + " then " + b);
    }
}
