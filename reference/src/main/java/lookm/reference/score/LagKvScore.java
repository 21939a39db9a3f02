package lookm.reference.score;

import java.util.Arrays;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * kvpress LagKVPress, cross_scoring off (Liang et al., arXiv 2504.04704; SPEC.md §2.6.7). After S sinks, P = ⌊(T−S)/ℓ⌋
 * partitions of ℓ tokens; partition p < P − 1 is scored against partition p + 1: per channel c the reference min m_c
 * and max M_c, z_j = sample std over c of (x_{j,c} − m_c)/(M_c − m_c) for X = K and V, softmax of z over the partition,
 * s = (softmax_K + softmax_V)/2, stored as rank_within_partition(s)/ℓ (rank 0 lowest; equal s: lower position lower
 * rank). The sinks and the tail [S + (P−1)ℓ, T) score 1. T < S + 2ℓ: sinks 1, position j scores (j − S)/(T − S).
 * A channel constant over the reference partition scales to 0 (kvpress: division by zero).
 */
public final class LagKvScore implements Scorer {
    private final ScoreSpec.LagKv spec;

    public LagKvScore(ScoreSpec.LagKv spec) { this.spec = spec; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), sinks = spec.sinkTokens(), lag = spec.lagSize();
        float[] out = new float[block.heads() * tokens];
        Arrays.fill(out, Policies.KVPRESS_PROTECTED_SCORE);                   // sinks and tail score 1
        if (tokens < sinks + 2 * lag) {
            // (0) too short for two partitions: the rest by position, (j − S)/(T − S)
            for (int h = 0; h < block.heads(); h++)
                for (int j = sinks; j < tokens; j++) out[h * tokens + j] = (float) (j - sinks) / (tokens - sinks);
            return new Scores(out, block.heads(), tokens);
        }
        int partitions = (tokens - sinks) / lag;
        for (int h = 0; h < block.heads(); h++)
            for (int p = 0; p + 1 < partitions; p++) {
                int start = sinks + p * lag;
                // (1)-(3) softmax over the partition of the scaled std, for K and for V;  (4) their mean
                double[] k = softmax(scaledStd(block.keys(), block, h, start, start + lag)), v = softmax(scaledStd(block.values(), block, h, start, start + lag));
                double[] s = new double[lag];
                for (int i = 0; i < lag; i++) s[i] = (k[i] + v[i]) / 2;
                // (5) rank within the partition / ℓ
                int[] rank = ranks(s);
                for (int i = 0; i < lag; i++) out[h * tokens + start + i] = (float) rank[i] / lag;
            }
        return new Scores(out, block.heads(), tokens);
    }

    /** z_i = sample std over channels of (x_{i,c} − m_c)/(M_c − m_c), m, M over the next partition [to, to + ℓ). */
    private double[] scaledStd(float[] data, KvBlock block, int head, int from, int to) {
        int dim = block.headDim(), lag = to - from;
        double[] min = new double[dim], max = new double[dim];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int j = to; j < to + lag; j++)
            for (int c = 0, at = block.offset(head, j); c < dim; c++) {
                min[c] = Math.min(min[c], data[at + c]);
                max[c] = Math.max(max[c], data[at + c]);
            }
        double[] z = new double[lag], x = new double[dim];
        for (int i = 0; i < lag; i++) {
            double mean = 0;
            for (int c = 0, at = block.offset(head, from + i); c < dim; c++) {
                x[c] = max[c] == min[c] ? 0 : (data[at + c] - min[c]) / (max[c] - min[c]);
                mean += x[c];
            }
            mean /= dim;
            double squares = 0;
            for (int c = 0; c < dim; c++) squares += (x[c] - mean) * (x[c] - mean);
            z[i] = dim > 1 ? Math.sqrt(squares / (dim - 1)) : 0;               // torch std: correction 1
        }
        return z;
    }

    private static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : z) max = Math.max(max, v);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) sum += out[i] = Math.exp(z[i] - max);
        for (int i = 0; i < z.length; i++) out[i] /= sum;
        return out;
    }

    /** argsort(argsort(s)): the rank of each entry ascending, equal values ranked by index. */
    private static int[] ranks(double[] s) {
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> s[a] != s[b] ? Double.compare(s[a], s[b]) : Integer.compare(a, b));
        int[] rank = new int[s.length];
        for (int r = 0; r < order.length; r++) rank[order[r]] = r;
        return rank;
    }
}
