package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import lookm.properties.contract.OpenClDevice;
import lookm.properties.gen.Draw;
import lookm.properties.gen.Source;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.reference.ReferenceBackend;
import lookm.spec.decode.DecodeSchedule;
import lookm.spec.decode.DecodeStream;
import lookm.spec.invariant.Invariants;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Decode-phase streaming (SPEC.md §9, I18): whatever the prompt, the period, the cap and the number of generated tokens,
 * every head holds at most C rows after each compression (exactly min(C, rows) for budget-exact selections) and at most
 * C + k at every step, k the tokens since the last compression (k ≤ N: the period's slack); the accumulated attention is
 * the recorded prefill sums plus every step's softmax; the text prior holds per cache; OpenCL streams to the same rows.
 */
@ExtendWith(ReplayExtension.class)
class DecodeStreamProperties {
    /** Policies the cap holds for (budget-exact selections: top-k, budgeted text prior, streaming), each a different score. */
    static final List<String> BOUNDED = List.of("h2o", "lookm-budgeted", "tp-budgeted-drop", "streaming-llm", "recent", "kvpress-knorm",
            "kvpress-observed-attention", "h2o-pivot");
    static final double SCALE = 0.3;
    static final ReferenceBackend REFERENCE = new ReferenceBackend();

    /** A prompt of one image between text runs, its recorded prefill sums, and S generated tokens with their queries. */
    record Case(String policy, int heads, int group, int dim, TokenLayout layout, int every, int cap, int recent, int steps, float[] keys,
                float[] values, float[] prefillQueries, float[] generatedKeys, float[] generatedValues, float[] generatedQueries) {
        int tokens() { return layout.size(); }

        int queryHeads() { return heads * group; }

        KvBlock prompt() { return new KvBlock(keys, values, heads, tokens(), dim, layout); }

        /** Accumulated attention of the prompt: causal softmax column sums of its queries over its keys (double). */
        AccumulatedAttention recorded() {
            int t = tokens();
            float[] out = new float[queryHeads() * t];
            for (int qh = 0; qh < queryHeads(); qh++) {
                double[] sums = new double[t];
                int h = qh / group;
                for (int i = 0; i < t; i++) {
                    double[] p = softmax(prefillQueries, (qh * t + i) * dim, keys, (h * t) * dim, i + 1, dim);
                    for (int j = 0; j <= i; j++) sums[j] += p[j];
                }
                for (int j = 0; j < t; j++) out[qh * t + j] = (float) sums[j];
            }
            return new AccumulatedAttention(out, queryHeads(), t);
        }

        Observation observation() {
            int w = Math.min(tokens(), 32);
            float[] window = new float[queryHeads() * w * dim];
            for (int qh = 0; qh < queryHeads(); qh++)
                System.arraycopy(prefillQueries, (qh * tokens() + tokens() - w) * dim, window, qh * w * dim, w * dim);
            return new Observation(recorded(), Queries.contiguous(window, queryHeads(), dim, tokens() - w, w), null);
        }

        DecodeSchedule schedule() { return new DecodeSchedule(every, cap, recent); }

        @Override public String toString() {
            return "Case[policy=" + policy + ", Hkv=" + heads + ", G=" + group + ", D=" + dim + ", layout " + layout + ", every N=" + every
                    + ", cap C=" + cap + ", recent R=" + recent + ", S=" + steps + "]";
        }
    }

    static double[] softmax(float[] q, int qOffset, float[] k, int kOffset, int n, int d) {
        double[] p = new double[n];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < d; i++) s += (double) q[qOffset + i] * k[kOffset + j * d + i];
            max = Math.max(max, p[j] = s / Math.sqrt(d));
        }
        for (int j = 0; j < n; j++) sum += p[j] = Math.exp(p[j] - max);
        for (int j = 0; j < n; j++) p[j] /= sum;
        return p;
    }

    static float[] gaussian(Source s, int n) {
        Source bulk = s.bulk();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = bulk.signedGrid(2, 6);
        return out;
    }

    static Draw<Case> cases(List<String> policies, int maxSteps) {
        return s -> {
            String policy = s.pick(policies);
            int heads = s.intBetween(1, 2), group = s.intBetween(1, 2), dim = 4 * s.intBetween(1, 3);
            int before = s.intBetween(0, 12), image = s.intBetween(0, 24), after = s.intBetween(1, 12);
            TokenLayout layout = TokenLayout.builder().text(before).image(image).text(after).build();
            int t = layout.size(), every = s.intBetween(1, 6), cap = s.intBetween(1, t + 4), recent = s.intBetween(0, cap);
            int steps = s.intBetween(1, maxSteps), hq = heads * group;
            return new Case(policy, heads, group, dim, layout, every, cap, recent, steps, gaussian(s, heads * t * dim), gaussian(s, heads * t * dim),
                    gaussian(s, hq * t * dim), gaussian(s, heads * steps * dim), gaussian(s, heads * steps * dim), gaussian(s, hq * steps * dim));
        };
    }

    /** Streams the case's S tokens; calls {@code check} after every append and after every compression. */
    static DecodeStream stream(Case c, Compressor compressor, java.util.function.BiConsumer<DecodeStream, Integer> afterAppend,
                               java.util.function.BiConsumer<DecodeStream, int[]> afterCompression) {
        DecodeStream stream = new DecodeStream(compressor, c.schedule(), c.prompt(), c.observation(), LayerContext.single(), c.steps(), c.queryHeads());
        int[] before = new int[c.heads()];
        for (int h = 0; h < c.heads(); h++) before[h] = c.tokens();
        afterCompression.accept(stream, before);
        int d = c.dim();
        for (int s = 0; s < c.steps(); s++) {
            float[] k = new float[c.heads() * d], v = new float[c.heads() * d], q = new float[c.queryHeads() * d];
            for (int h = 0; h < c.heads(); h++) {
                System.arraycopy(c.generatedKeys(), (h * c.steps() + s) * d, k, h * d, d);
                System.arraycopy(c.generatedValues(), (h * c.steps() + s) * d, v, h * d, d);
            }
            for (int qh = 0; qh < c.queryHeads(); qh++) System.arraycopy(c.generatedQueries(), (qh * c.steps() + s) * d, q, qh * d, d);
            stream.append(k, v, q);
            afterAppend.accept(stream, s);
            for (int h = 0; h < c.heads(); h++) before[h] = stream.size(h);
            if (stream.compressIfDue()) afterCompression.accept(stream, before);
        }
        return stream;
    }

    @Test
    void theCacheNeverExceedsTheCapAfterACompressionNorCapPlusTheStepsSinceAtAnyStep() {
        Theories.check(SCALE, cases(BOUNDED, 40), c -> {
            Compressor compressor = REFERENCE.compressor(Policies.named(c.policy()));
            stream(c, compressor, (stream, s) -> {
                for (int h = 0; h < stream.kvHeads(); h++) {
                    var verdict = Invariants.withinDecodeCap(stream.size(h), c.schedule(), stream.sinceCompression());
                    assertTrue(verdict.holds(), () -> c + ", step " + s + ": " + verdict.detail());
                    assertTrue(stream.size(h) <= c.cap() + c.every(), c + ": above C + N");
                    int[] positions = stream.positions(h);
                    assertEquals(c.tokens() + s, positions[positions.length - 1], c + ": the newest token is the last row");
                }
            }, (stream, before) -> {
                for (int h = 0; h < stream.kvHeads(); h++) {
                    int head = h;
                    assertEquals(Math.min(c.cap(), before[h]), stream.size(h), () -> c + ": head " + head + " after a compression");
                    int[] positions = stream.positions(h);
                    for (int i = 1; i < positions.length; i++) assertTrue(positions[i] > positions[i - 1], c + ": rows in position order");
                }
            });
        });
    }

    @Test
    void withoutEvictionTheAccumulatedAttentionIsThePrefillSumsPlusEveryStepsCausalSoftmax() {
        Theories.check(SCALE, cases(List.of("h2o"), 12).map(c -> new Case(c.policy(), c.heads(), c.group(), c.dim(), c.layout(), c.every(),
                c.tokens() + c.steps(), 0, c.steps(), c.keys(), c.values(), c.prefillQueries(), c.generatedKeys(), c.generatedValues(),
                c.generatedQueries())), c -> {
            DecodeStream stream = stream(c, REFERENCE.compressor(Policies.named(c.policy())), (x, s) -> {}, (x, b) -> {});
            int t = c.tokens(), n = t + c.steps(), d = c.dim();
            AccumulatedAttention recorded = c.recorded();
            for (int qh = 0; qh < c.queryHeads(); qh++) {
                int h = qh / c.group();
                float[] keys = new float[n * d];                       // the whole cache: prompt then generated, (n, D)
                System.arraycopy(c.keys(), h * t * d, keys, 0, t * d);
                System.arraycopy(c.generatedKeys(), h * c.steps() * d, keys, t * d, c.steps() * d);
                double[] expected = new double[n];
                for (int j = 0; j < t; j++) expected[j] = recorded.at(qh, j);
                for (int s = 0; s < c.steps(); s++) {                 // generated token s sees positions 0..t+s
                    double[] p = softmax(c.generatedQueries(), (qh * c.steps() + s) * d, keys, 0, t + s + 1, d);
                    for (int j = 0; j <= t + s; j++) expected[j] += p[j];
                }
                double[] got = stream.accumulated(qh);
                assertEquals(n, got.length, c.toString());
                for (int j = 0; j < n; j++)
                    assertEquals(expected[j], got[j], 1e-6 * (1 + Math.abs(expected[j])), c + ": query head " + qh + ", position " + j);
            }
        });
    }

    @Test
    void theBudgetedTextPriorEvictsNoTextWhileAnImageTokenOutsideTheWindowSurvives() {
        Theories.check(SCALE, cases(List.of("lookm-budgeted", "tp-budgeted-drop"), 24), c -> {
            TokenLayout full = c.layout().withText(c.steps());
            stream(c, REFERENCE.compressor(Policies.named(c.policy())), (x, s) -> {}, (stream, before) -> {
                for (int h = 0; h < stream.kvHeads(); h++) {
                    int head = h;
                    int[] held = stream.positions(h);
                    boolean textEvicted = false;
                    int recentStart = held.length - Math.min(c.recent(), held.length);
                    int lastHeld = held[held.length - 1];
                    boolean[] isHeld = new boolean[lastHeld + 1];
                    for (int p : held) isHeld[p] = true;
                    for (int p = 0; p <= lastHeld; p++) textEvicted |= !isHeld[p] && full.isText(p);
                    for (int r = 0; r < recentStart && textEvicted; r++)
                        assertTrue(full.isText(held[r]), () -> c + ": head " + head + " keeps image position outside the window while text was evicted");
                }
            });
        });
    }

    @Test
    void theReleasedTextPriorAndTheFullCacheAreRefusedBecauseTheCapCannotHold() {
        Case c = cases(List.of("lookm"), 4).sample(Theories.seed());
        for (String name : List.of("lookm", "full", "oracle", "random")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DecodeStream(REFERENCE.compressor(Policies.named(name)),
                    c.schedule(), c.prompt(), c.observation(), LayerContext.single(), c.steps(), c.queryHeads()));
            assertTrue(e.getMessage().contains("policy " + name), e.getMessage());
        }
    }

    /** The reference whose selection keeps one heavy hitter more than the budget: the stream must refuse it (I18). */
    static final class OneRowTooMany extends BrokenBackends.ReferenceWithABug {
        @Override public String name() { return "broken-one-row-too-many"; }

        @Override public lookm.spec.policy.Selector selector(lookm.spec.policy.SelectSpec spec) {
            lookm.spec.policy.Selector right = reference.selector(spec);
            return (scores, layout, budget) -> {
                var b = budget.resolve(scores.tokens());
                return b.coversCache() ? right.select(scores, layout, budget)
                        : right.select(scores, layout, lookm.spec.tensor.Budget.counts(b.heavy() + 1, b.recent()));
            };
        }
    }

    @Test
    void aSelectionThatKeepsMoreThanTheCapIsCaughtByTheStream() {
        Case c = cases(List.of("h2o"), 8).map(x -> new Case(x.policy(), x.heads(), x.group(), x.dim(), TokenLayout.allText(24), 2, 8, 4,
                8, Arrays.copyOf(x.keys(), x.heads() * 24 * x.dim()), Arrays.copyOf(x.values(), x.heads() * 24 * x.dim()),
                Arrays.copyOf(x.prefillQueries(), x.queryHeads() * 24 * x.dim()), Arrays.copyOf(x.generatedKeys(), x.heads() * 8 * x.dim()),
                Arrays.copyOf(x.generatedValues(), x.heads() * 8 * x.dim()), Arrays.copyOf(x.generatedQueries(), x.queryHeads() * 8 * x.dim())))
                .sample(Theories.seed());
        Compressor broken = new OneRowTooMany().compressor(Policies.named("h2o"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> stream(c, broken, (x, s) -> {}, (x, b) -> {}));
        assertTrue(e.getMessage().contains("withinDecodeCap") || e.getMessage().contains("rows > cap C=8"), e.getMessage());
    }

    @Test
    void openClStreamsToTheSameRowsAsTheReference() {
        Backend opencl = OpenClDevice.backendOrSkip();
        Theories.check(SCALE / 3, cases(List.of("h2o", "lookm-budgeted", "h2o-pivot", "kvpress-knorm"), 24), c -> {
            Policies.named(c.policy());
            DecodeStream reference = stream(c, REFERENCE.compressor(Policies.named(c.policy())), (x, s) -> {}, (x, b) -> {});
            DecodeStream device = stream(c, opencl.compressor(Policies.named(c.policy())), (x, s) -> {}, (x, b) -> {});
            for (int h = 0; h < c.heads(); h++) {
                assertArrayEquals(reference.positions(h), device.positions(h), c + ": head " + h + " rows");
                float[] a = reference.values(h), b = device.values(h);
                for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 + 1e-4 * Math.abs(a[i]), c + ": head " + h + " value " + i);
            }
        });
    }

    @Test
    void theGatheredLayoutKeepsEachPositionsClassAndRenumbersTheImages() {
        TokenLayout layout = TokenLayout.builder().text(2).image(3).text(1).image(2).text(1).build();
        TokenLayout gathered = layout.withText(3).gather(new int[] {0, 3, 4, 7, 9, 11});
        assertArrayEquals(new int[] {-1, 0, 0, 1, -1, -1}, gathered.imageIds(), Arrays.toString(gathered.imageIds()));
    }
}
