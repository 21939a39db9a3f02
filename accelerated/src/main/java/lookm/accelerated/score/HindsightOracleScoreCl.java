package lookm.accelerated.score;

import lookm.accelerated.cl.ClContext;
import lookm.spec.policy.Scorer;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.Scores;

/**
 * OpenCL twin of {@code lookm.reference.score.HindsightOracleScore}: a*[j] = Σ_t Σ_{q ∈ group} softmax_j(q_t·k_j/√D
 * over all j < T), with the kernels of {@link CausalColumnSumsCl}: every probe row is given position T − 1, so it
 * sees the whole prefill (as the reference's limit T).
 */
public final class HindsightOracleScoreCl implements Scorer {
    private final ClContext cl;

    public HindsightOracleScoreCl(ClContext cl) { this.cl = cl; }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int tokens = block.tokens();
        Queries probes = observation.requireProbes(block, "hindsight oracle");
        int[] seesAll = new int[probes.count()];
        java.util.Arrays.fill(seesAll, tokens - 1);                           // probes see the whole prefill
        return new Scores(CausalColumnSumsCl.perKvHead(cl, block, probes.data(), probes.queryHeads(), seesAll), block.heads(), tokens);
    }
}
