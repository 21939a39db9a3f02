package lookm.properties.contract;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import lookm.spec.invariant.Invariants;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.TokenLayout;
import lookm.properties.gen.BudgetKind;
import lookm.properties.gen.CacheCase;
import lookm.properties.gen.KvKind;
import lookm.properties.gen.LayoutKind;
import lookm.properties.gen.ScoreKind;
import lookm.properties.gen.Shape;

/**
 * Runs a {@link CacheScript} against a backend, checking the invariants after every step. The model cache has one KV
 * head, so a compressed cache is again a cache (kept positions are the same for the whole layer): its layout is the
 * kept positions' modalities, its K/V the merged rows, its accumulated attention the kept columns (H2O carries scores
 * over). Each appended token attends causally to the cache once, adding a softmax-like row to the column sums.
 */
public final class StatefulCache {
    private static final int KV_HEADS = 1;
    private static final int VALUE_BITS = 6;
    private static final double VALUE_BOUND = 4;

    private final CacheScript script;
    private final Backend backend;
    private final SplittableRandom data;
    private final List<float[]> keys = new ArrayList<>(), values = new ArrayList<>();   // per token, (D) for the one KV head
    private final List<Integer> imageIds = new ArrayList<>();                            // per token, -1 text
    private final List<float[]> attention = new ArrayList<>();                           // per token, (Hq) column sums
    private int images;

    private StatefulCache(CacheScript script, Backend backend) {
        this.script = script;
        this.backend = backend;
        this.data = new SplittableRandom(script.dataSeed());
    }

    /** Runs every step; an invariant broken after step k fails with the script up to step k. */
    public static void run(CacheScript script, Backend backend) {
        StatefulCache cache = new StatefulCache(script, backend);
        for (int i = 0; i < script.steps().size(); i++) {
            try {
                cache.apply(script.steps().get(i));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("after step " + (i + 1) + " (" + script.steps().get(i) + "): " + e.getMessage() + "\n" + script.render(i + 1), e);
            }
        }
    }

    private void apply(CacheScript.Step step) {
        if (step instanceof CacheScript.AppendText t) append(t.tokens(), false);
        else if (step instanceof CacheScript.AppendImage im) append(im.tokens(), true);
        else if (step instanceof CacheScript.Decode) append(1, false);
        else if (step instanceof CacheScript.Compress c) {
            if (!keys.isEmpty()) compress(Policies.named(c.policy()), c);   // spec has no T = 0 layer: nothing to compress
        }
        else throw new IllegalArgumentException("unknown step " + step);
    }

    private void append(int count, boolean image) {
        int id = image ? images++ : TokenLayout.TEXT_INDEX;
        for (int n = 0; n < count; n++) {
            keys.add(row(script.headDim()));
            values.add(row(script.headDim()));
            imageIds.add(id);
            attention.add(new float[script.groupSize()]);
            // the new token's query attends to every position up to itself: weights >= 0 summing to 1 per query head
            for (int q = 0; q < script.groupSize(); q++) {
                double[] w = new double[attention.size()];
                double total = 0;
                for (int j = 0; j < w.length; j++) total += w[j] = data.nextDouble();
                for (int j = 0; j < w.length; j++) attention.get(j)[q] += (float) (w[j] / total);
            }
        }
    }

    private float[] row(int dim) {
        float[] r = new float[dim];
        long steps = (long) VALUE_BOUND << VALUE_BITS;
        for (int i = 0; i < dim; i++) r[i] = (float) (data.nextLong(-steps, steps + 1) / (double) (1 << VALUE_BITS));
        return r;
    }

    private void compress(PolicySpec policy, CacheScript.Compress step) {
        CacheCase c = current(step);
        CompressedLayer out = backend.compressor(policy).compress(c.block(), c.observation(), c.budget());
        List<Verdict> verdicts = new ArrayList<>(PolicyChecks.budget(policy, c, out));
        verdicts.addAll(PolicyChecks.textRetention(policy, c, out));
        verdicts.addAll(PolicyChecks.merge(policy, c, out));
        verdicts.add(Invariants.finite(out));
        Require.allHold(policy.name() + " on " + backend.name(), verdicts);
        replaceBy(out.head(0));
    }

    /** The cache as a generated case, for the checks. */
    private CacheCase current(CacheScript.Compress step) {
        int t = keys.size(), d = script.headDim(), g = script.groupSize();
        float[] k = new float[t * d], v = new float[t * d], a = new float[g * t];
        int[] ids = new int[t];
        for (int j = 0; j < t; j++) {
            System.arraycopy(keys.get(j), 0, k, j * d, d);
            System.arraycopy(values.get(j), 0, v, j * d, d);
            for (int q = 0; q < g; q++) a[q * t + j] = attention.get(j)[q];
            ids[j] = imageIds.get(j);
        }
        KvBlock block = new KvBlock(k, v, KV_HEADS, t, d, TokenLayout.fromImageIds(ids));
        Observation observation = Observation.ofScores(new AccumulatedAttention(a, g, t));
        return new CacheCase(new Shape(KV_HEADS, g, t, d), LayoutKind.INTERLEAVED, ScoreKind.RANDOM, KvKind.RANDOM, BudgetKind.RANDOM_COUNTS,
                block, observation, step.budget());
    }

    /** Keeps the kept tokens, with their merged rows; images renumbered in order of appearance. */
    private void replaceBy(HeadCompression head) {
        int d = script.headDim();
        List<float[]> k = new ArrayList<>(), v = new ArrayList<>(), a = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        int[] renumber = new int[images];
        Arrays.fill(renumber, -1);
        int next = 0;
        for (int r = 0; r < head.kept().length; r++) {
            int p = head.kept()[r], id = imageIds.get(p);
            k.add(Arrays.copyOfRange(head.keys(), r * d, (r + 1) * d));
            v.add(Arrays.copyOfRange(head.values(), r * d, (r + 1) * d));
            a.add(attention.get(p));
            if (id != TokenLayout.TEXT_INDEX && renumber[id] < 0) renumber[id] = next++;
            ids.add(id == TokenLayout.TEXT_INDEX ? id : renumber[id]);
        }
        keys.clear(); keys.addAll(k);
        values.clear(); values.addAll(v);
        attention.clear(); attention.addAll(a);
        imageIds.clear(); imageIds.addAll(ids);
        images = next;
    }
}
