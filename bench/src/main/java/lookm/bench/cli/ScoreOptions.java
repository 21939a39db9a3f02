package lookm.bench.cli;

import java.util.Locale;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.policy.TieOrder;
import lookm.spec.tensor.ScorePrecision;
import picocli.CommandLine.Option;

/**
 * {@code --scores recorded|recomputed}: where accumulated-attention policies take their scores from (SPEC.md §2.1);
 * {@code --ties position|torch-cpu}: who survives equal scores at the top-N cut (SPEC.md §3);
 * {@code --precision float32|bf16}: the dtype of accumulated-attention scores (SPEC.md §2.8).
 */
final class ScoreOptions {
    @Option(names = "--scores", paramLabel = "SOURCE",
            description = "Accumulated attention: 'recorded' (the trace's column sums) or 'recomputed' (causal softmax from all "
                    + "prefill queries; the trace must store them). Default: as the policy says (registered policies: recorded).")
    String scores;

    @Option(names = "--ties", paramLabel = "ORDER",
            description = "Tie order at the top-N cut: 'position' (the lower position wins) or 'torch-cpu' (what the authors' "
                    + "code keeps under torch 1.13 on the CPU). Default: the policy's own (position for every registered policy).")
    String ties;

    @Option(names = "--precision", paramLabel = "DTYPE",
            description = "Accumulated-attention scores as 'float32' or 'bf16' (a bfloat16 score tensor, as under torch CPU autocast: "
                    + "the text prior's penalty becomes -65536). Default: the policy's own (float32 except lookm-bf16).")
    String precision;

    /** The policy with, when given, its accumulated-attention source and precision (other scorers unchanged) and its tie order. */
    PolicySpec apply(PolicySpec policy) {
        PolicySpec p = scores == null ? policy : policy.withScoreSource(source());
        if (precision != null) p = p.withScorePrecision(scorePrecision());
        return ties == null ? p : p.withTies(tieOrder());
    }

    ScorePrecision scorePrecision() {
        for (ScorePrecision s : ScorePrecision.values()) if (s.label().equals(precision.toLowerCase(Locale.ROOT))) return s;
        throw new IllegalArgumentException("--precision must be 'float32' or 'bf16', was '" + precision + "'");
    }

    TieOrder tieOrder() {
        try {
            return TieOrder.ofLabel(ties.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ties: " + e.getMessage(), e);
        }
    }

    ScoreSource source() {
        return switch (scores.toLowerCase(Locale.ROOT)) {
            case "recorded" -> ScoreSource.RECORDED;
            case "recomputed" -> ScoreSource.RECOMPUTED;
            default -> throw new IllegalArgumentException("--scores must be 'recorded' or 'recomputed', was '" + scores + "'");
        };
    }
}
