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
 * OpenCL twin of {@code lookm.reference.score.CurScore} (cur_score.cl): (1) κ = ‖k‖², ν = ‖v‖², (2) each normalised
 * inside its local block and multiplied, (3) divided by the head's total, (4) the sinks score 1.
 */
public final class CurScoreCl implements Scorer {
    private final ClContext cl;
    private final ScoreSpec.Cur spec;

    public CurScoreCl(ClContext cl, ScoreSpec.Cur spec) {
        this.cl = cl;
        this.spec = spec;
    }

    @Override public Scores score(KvBlock block, Observation observation, Budget budget) {
        int heads = block.heads(), tokens = block.tokens();
        long size = (long) heads * tokens;
        ClProgram program = cl.program("score/cur_score", "");
        ResidentLayer layer = cl.resident(block);                      // K and V uploaded once, shared with the merge
        ClBuffer keys = layer.keys(), values = layer.values();
        try (ClBuffer kappa = cl.allocateFloats(size); ClBuffer nu = cl.allocateFloats(size); ClBuffer product = cl.allocateFloats(size);
             ClBuffer totals = cl.allocateFloats(heads); ClBuffer out = cl.allocateFloats(size);
             ClKernel norms = program.kernel("squared_norms"); ClKernel local = program.kernel("local_leverage_product");
             ClKernel total = program.kernel("head_totals"); ClKernel finish = program.kernel("normalize_with_sinks")) {
            long[] grid = {tokens, heads};
            norms.arg(keys).arg(values).arg(tokens).arg(block.headDim()).arg(kappa).arg(nu).launch(grid, null);     // (1)
            local.arg(kappa).arg(nu).arg(tokens).arg(spec.localWindow()).arg(product).launch(grid, null);          // (2)
            total.arg(product).arg(tokens).arg(totals).launch(new long[] {heads}, null);                           // (3)
            finish.arg(product).arg(totals).arg(tokens).arg(Math.min(spec.sinkTokens(), tokens))
                    .arg(Policies.KVPRESS_PROTECTED_SCORE).arg(out).launch(grid, null);                            // (3)-(4)
            return new Scores(out.readFloats((int) size), heads, tokens);
        }
    }
}
