package lookm.accelerated.score;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.accelerated.cl.ClProgram;
import lookm.accelerated.cl.ResidentLayer;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.LagKvScore} (lagkv_score.cl): (1) per-channel ranges of each partition,
 * (2) the scaled std against the next partition, (3)-(4) softmax over each partition, K and V averaged, (5) ranks within the partition / ℓ; sinks and tail
 * score 1, short layers by position (0). Float32: a near-tie inside a partition may swap two ranks against the
 * reference (KERNELS.md, near-tie rules).
 */
public final class LagKvScoreCl implements Scorer {
    private final ClContext cl;
    private final ScoreSpec.LagKv spec;

    public LagKvScoreCl(ClContext cl, ScoreSpec.LagKv spec) {
        this.cl = cl;
        this.spec = spec;
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens(), sinks = spec.sinkTokens(), lag = spec.lagSize();
        boolean partitioned = tokens >= sinks + 2 * lag;
        int scored = partitioned ? ((tokens - sinks) / lag - 1) * lag : 0;        // tokens of partitions 0 .. P − 2
        ClProgram program = cl.program("score/lagkv_score", "");
        int partitions = partitioned ? (tokens - sinks) / lag : 1;
        long ranges = (long) heads * partitions * block.headDim();
        ResidentLayer layer = cl.resident(block);                      // K and V uploaded once, shared with the merge
        ClBuffer keys = layer.keys(), values = layer.values();
        try (ClBuffer lo = cl.allocateFloats(ranges); ClBuffer hi = cl.allocateFloats(ranges);
             ClBuffer z = cl.allocateFloats(2L * heads * Math.max(scored, 1)); ClBuffer s = cl.allocateFloats((long) heads * Math.max(scored, 1));
             ClBuffer out = cl.allocateFloats((long) heads * tokens);
             ClKernel softmax = program.kernel("partition_softmax"); ClKernel rank = program.kernel("rank_scores")) {
            if (partitioned) {
                scaledStd(program, keys, block, partitions, lo, hi, z, 0, scored);                          // (1)-(2) K
                scaledStd(program, values, block, partitions, lo, hi, z, heads * scored, scored);           // (1)-(2) V
                softmax.arg(z).arg(scored).arg(lag).arg(heads).arg(s).launch(new long[] {scored / lag, heads}, null);   // (3)-(4)
            }
            rank.arg(s).arg(tokens).arg(sinks).arg(lag).arg(scored).arg(Policies.KVPRESS_PROTECTED_SCORE).arg(out)
                    .launch(new long[] {tokens, heads}, null);                                                // (0), (5)
            return new Scores(out.readFloats(heads * tokens), heads, tokens);
        }
    }

    /** Steps (1)-(2) for X = K or V into z at {@code offset}; lo/hi are reused (the queue is in order). */
    private void scaledStd(ClProgram program, ClBuffer data, KvBlock block, int partitions, ClBuffer lo, ClBuffer hi, ClBuffer z, int offset, int scored) {
        int tokens = block.tokens(), dim = block.headDim(), heads = block.heads();
        try (ClKernel range = program.kernel("partition_ranges"); ClKernel std = program.kernel("scaled_std")) {
            range.arg(data).arg(tokens).arg(dim).arg(spec.sinkTokens()).arg(spec.lagSize()).arg(lo).arg(hi)
                    .launch(new long[] {dim, partitions, heads}, null);
            std.arg(data).arg(lo).arg(hi).arg(tokens).arg(dim).arg(spec.sinkTokens()).arg(spec.lagSize()).arg(partitions).arg(z).arg(offset)
                    .launch(new long[] {scored, heads}, null);
        }
    }
}
