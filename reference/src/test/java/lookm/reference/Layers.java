package lookm.reference;

import java.util.SplittableRandom;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/** Seeded random layers and a naive (T×T) attention oracle for the reference's own tests. */
final class Layers {
    private Layers() {}

    static float[] gaussian(SplittableRandom random, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller from two uniforms: seeded and portable
            double u = 1 - random.nextDouble(), v = random.nextDouble();
            out[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return out;
    }

    static KvBlock block(long seed, int heads, TokenLayout layout, int dim) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = heads * layout.size() * dim;
        return new KvBlock(gaussian(random, n, 1), gaussian(random, n, 1), heads, layout.size(), dim, layout);
    }

    static Queries queries(long seed, int queryHeads, int tokens, int dim) {
        return Queries.contiguous(gaussian(new SplittableRandom(seed), queryHeads * tokens * dim, 1), queryHeads, dim, 0, tokens);
    }

    /** Causal column sums per query head (Hq, T), by materialising each T×T matrix in double. */
    static float[] naiveColumnSums(KvBlock block, Queries q) {
        int t = block.tokens(), d = block.headDim(), g = q.queryHeads() / block.heads();
        float[] out = new float[q.queryHeads() * t];
        for (int qh = 0; qh < q.queryHeads(); qh++) {
            int kv = qh / g;
            for (int i = 0; i < t; i++) {
                double[] z = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += (double) q.data()[q.offset(qh, i) + c] * block.keys()[block.offset(kv, j) + c];
                    z[j] = dot / Math.sqrt(d);
                    max = Math.max(max, z[j]);
                }
                for (int j = 0; j <= i; j++) sum += z[j] = Math.exp(z[j] - max);
                for (int j = 0; j <= i; j++) out[qh * t + j] += (float) (z[j] / sum);
            }
        }
        return out;
    }

    static Observation recordedAndQueries(KvBlock block, Queries q) {
        return new Observation(new AccumulatedAttention(naiveColumnSums(block, q), q.queryHeads(), block.tokens()), q, null);
    }
}
