package lookm.reference.score;

import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * Hindsight oracle (SPEC.md §2.4): a*[j] = Σ_t Σ_{q ∈ group} softmax_j(q_t·k_j/√D over all j < T), the
 * attention that the recorded future decode queries pay to each prefill token. An upper bound, not a policy
 * a model could run.
 */
public final class HindsightOracleScore implements Scorer {
    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens();
        Queries probes = observation.requireProbes(block, "hindsight oracle");
        int[] limits = new int[probes.count()];
        java.util.Arrays.fill(limits, tokens);                                 // probes see the whole prefill
        // (1)-(4) causal column sums of the probe rows, summed over each group
        return new Scores(CausalColumnSums.perKvHead(block, probes.data(), probes.queryHeads(), limits), block.heads(), tokens);
    }
}
