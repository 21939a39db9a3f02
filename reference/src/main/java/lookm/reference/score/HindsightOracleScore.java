package lookm.reference.score;

import lookm.reference.ops.Rows;
import lookm.reference.ops.Softmax;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;
import org.ejml.data.DMatrixRMaj;

/**
 * Hindsight oracle (SPEC.md §2.4): a*[j] = Σ_t Σ_{q ∈ group} softmax_j(q_t·k_j/√D over all j < T), the
 * attention that the recorded future decode queries pay to each prefill token. An upper bound, not a policy
 * a model could run.
 */
public final class HindsightOracleScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens(), dim = block.headDim();
        Queries probes = observation.requireProbes(block, "hindsight oracle");
        HeadGroups groups = new HeadGroups(probes.queryHeads(), block.heads());
        int[] limits = new int[probes.count()];
        java.util.Arrays.fill(limits, tokens);                                 // probes see the whole prefill
        float[] out = new float[block.heads() * tokens];
        for (int kv = 0; kv < block.heads(); kv++) {
            DMatrixRMaj keys = Rows.range(block.keys(), tokens, dim, kv, 0, tokens);
            double[] sums = new double[tokens];
            for (int g = 0; g < groups.groupSize(); g++)
                Softmax.accumulate(Rows.range(probes.data(), probes.count(), dim, kv * groups.groupSize() + g, 0, probes.count()),
                        keys, limits, sums);
            for (int t = 0; t < tokens; t++) out[kv * tokens + t] = (float) sums[t];
        }
        return new Scores(out, block.heads(), tokens);
    }
}
