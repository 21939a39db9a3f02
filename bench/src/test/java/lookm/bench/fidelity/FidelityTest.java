package lookm.bench.fidelity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;

class FidelityTest {
    private static final double EXACT = 1e-12;
    private static final long SEED = 7L;

    /** T = 2, D = 1, zero keys: p = (1/2, 1/2); values 1 and 3: o = 2. */
    private static KvBlock twoTokens() {
        return new KvBlock(new float[] {0f, 0f}, new float[] {1f, 3f}, 1, 2, 1, TokenLayout.builder().text(1).image(1).build());
    }

    @Test
    void droppingATokenGivesTheHandComputedNumbers() {
        // keep token 1 only: ô = 3, ‖ô − o‖/‖o‖ = 1/2, cosine 1 (same sign), recall p_1 = 1/2, top-1 of p is token 0 (tie → lower) → overlap 0
        HeadCompression kept1 = HeadCompression.dropped(new int[] {1}, new int[] {0}, new float[] {0f}, new float[] {3f});
        Metrics m = Fidelity.probe(new float[] {1f}, 0, twoTokens(), 0, kept1);
        assertEquals(0.5, m.relativeError(), EXACT);
        assertEquals(1.0, m.cosine(), EXACT);
        assertEquals(0.5, m.recall(), EXACT);
        assertEquals(0.0, m.topKOverlap(), EXACT);
    }

    @Test
    void aMergedTokenCountsAsMergedMassNotRecall() {
        // token 0 merged into kept row 0 (token 1): recall = p_1 = 1/2, merged mass = p_0 = 1/2; the merged value 2 reproduces o exactly
        HeadCompression merged = new HeadCompression(new int[] {1}, new int[] {0}, new int[] {0}, new float[] {1f}, new int[] {0},
                new float[] {0.5f}, new float[] {0f}, new float[] {2f});
        Metrics m = Fidelity.probe(new float[] {1f}, 0, twoTokens(), 0, merged);
        assertEquals(0.5, m.recall(), EXACT);
        assertEquals(0.5, m.mergedMass(), EXACT);
        assertEquals(1.0, m.representedMass(), EXACT);
        assertEquals(0.0, m.relativeError(), EXACT);
    }

    @Test
    void theFullCacheIsPerfect() {
        SplittableRandom random = new SplittableRandom(SEED);
        int h = 2, hq = 4, t = 40, d = 8, probes = 3;
        KvBlock block = randomBlock(random, h, t, d, TokenLayout.builder().text(10).image(20).text(10).build());
        Queries q = Queries.contiguous(gaussian(random, hq * probes * d), hq, d, t, probes);
        CompressedLayer full = new ReferenceBackend().compressor(Policies.named("full")).compress(block, Observation.none(), Budget.ratios(1, 0));
        LayerFidelity f = Fidelity.layer(0, block, q, full, Budget.ratios(1, 0), 2);
        assertEquals(0.0, f.mean().relativeError(), EXACT);
        assertEquals(1.0, f.mean().cosine(), EXACT);
        assertEquals(1.0, f.mean().recall(), EXACT);
        assertEquals(0.0, f.mean().mergedMass(), EXACT);
        assertEquals(1.0, f.mean().topKOverlap(), EXACT);
        assertEquals(t, f.requestedPerHead(), "a covering budget requests T");
        assertEquals(f.fullBytes(), f.keptBytes());
        assertEquals(2L * h * t * d * 2, f.fullBytes());
        assertEquals(1.0, f.textRetention(), EXACT);
        assertEquals(1.0, f.imageRetention(), EXACT);
    }

    @Test
    void layerCountsKeptTokensPerModalityAndBytes() {
        KvBlock block = twoTokens();
        HeadCompression kept1 = HeadCompression.dropped(new int[] {1}, new int[] {0}, new float[] {0f}, new float[] {3f});
        CompressedLayer layer = new CompressedLayer(List.of(kept1), 2, 1, block.layout());
        Queries q = new Queries(new float[] {1f, 1f}, 2, 1, new int[] {2});        // two query heads share the KV head (G = 2)
        LayerFidelity f = Fidelity.layer(3, block, q, layer, Budget.counts(0, 1), 4);
        assertEquals(3, f.layer());
        assertEquals(0, f.heads().get(0).keptText());
        assertEquals(1, f.heads().get(0).keptImage());
        assertEquals(2L * 1 * 1 * 4, f.keptBytes());
        assertEquals(2L * 2 * 1 * 4, f.fullBytes());
        assertEquals(1, f.requestedPerHead());
        assertEquals(2L * 1 * 1 * 4, f.requestedBytes(), "requested: Hkv · C · 2 · D · w");
        assertEquals(0, f.keptTextBytes());
        assertEquals(2L * 1 * 4, f.keptImageBytes(), "the kept row is an image token");
        assertEquals(0.5, f.mean().relativeError(), EXACT);
        Summary s = Summary.of(List.of(f, f));
        assertEquals(0.5, s.overall().relativeError(), EXACT);
        assertEquals(2, s.requestedTokens());
        assertEquals(2, s.keptTokens());
        assertEquals(0.5, s.requestedRatio(), EXACT);
        assertEquals(0.5, s.effectiveRatio(), EXACT);
        assertEquals(0.0, s.textRetention(), EXACT);
        assertEquals(1.0, s.imageRetention(), EXACT);
    }

    @Test
    void topKBreaksTiesTowardsTheLowerPosition() {
        assertArrayEquals(new int[] {2, 0, 1}, Fidelity.topK(new double[] {0.2, 0.2, 0.5, 0.1}, 3));
        assertArrayEquals(new int[] {3, 1}, Fidelity.topK(new double[] {0.1, 0.3, 0.1, 0.5}, 2));
        List<Integer> many = new ArrayList<>();
        for (int j : Fidelity.topK(new double[40], 32)) many.add(j);
        for (int j = 0; j < 32; j++) assertEquals(j, many.get(j));
    }

    /**
     * The batched layer fidelity (all P probes of a query head against each key row, the full-cache side computed
     * once and shared) gives bit for bit the numbers of the one-probe definition {@link Fidelity#probe}, averaged in
     * the same order: merges, drops, grouped heads (G = 2) and a probe count that is no power of two.
     */
    @Test
    void theBatchedLayerEqualsTheOneProbeDefinitionBitForBit() {
        SplittableRandom random = new SplittableRandom(SEED);
        int h = 2, hq = 4, t = 300, d = 24, probes = 5;
        KvBlock block = randomBlock(random, h, t, d, TokenLayout.builder().text(40).image(200).text(60).build());
        Queries q = Queries.contiguous(gaussian(random, hq * probes * d), hq, d, t, probes);
        float[] attention = new float[hq * t];
        for (int i = 0; i < attention.length; i++) attention[i] = (float) random.nextDouble();
        Fidelity.FullAttention shared = Fidelity.full(0, block, q);
        for (String policy : List.of("h2o-average", "h2o", "lookm")) {
            CompressedLayer layer = new ReferenceBackend().compressor(Policies.parse(policy))
                    .compress(block, Observation.ofScores(new lookm.spec.tensor.AccumulatedAttention(attention, hq, t)), Budget.ratios(0.1, 0.1));
            if (!policy.equals("h2o"))                                                // merged keys: the computed path, beside the reused one
                assertTrue(layer.head(0).mergedCount() > 0 && layer.head(0).mergedCount() < layer.head(0).keptCount() + layer.head(0).evicted().length, policy);
            Metrics.Mean layerMean = new Metrics.Mean();
            for (int qh = 0; qh < hq; qh++) {
                Metrics.Mean head = new Metrics.Mean();
                for (int r = 0; r < probes; r++) head.add(Fidelity.probe(q.data(), q.offset(qh, r), block, qh / 2, layer.head(qh / 2)));
                layerMean.add(head.mean());
            }
            assertEquals(layerMean.mean(), Fidelity.layer(0, block, q, layer, Budget.ratios(0.1, 0.1), 2).mean(), policy);
            assertEquals(layerMean.mean(), Fidelity.layer(shared, layer, Budget.ratios(0.1, 0.1), 2).mean(), policy + ", shared full side");
        }
    }

    /** Keys and values uniform in [-1, 1), shape (h, t, d). */
    private static KvBlock randomBlock(SplittableRandom random, int h, int t, int d, TokenLayout layout) {
        return new KvBlock(gaussian(random, h * t * d), gaussian(random, h * t * d), h, t, d, layout);
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (random.nextDouble() * 2 - 1);
        return out;
    }
}
