package lookm.bench.cli;

import java.util.Locale;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import picocli.CommandLine.Option;

/** {@code --scores recorded|recomputed}: where accumulated-attention policies take their scores from (SPEC.md §2.1). */
final class ScoreOptions {
    @Option(names = "--scores", paramLabel = "SOURCE",
            description = "Accumulated attention: 'recorded' (the trace's column sums) or 'recomputed' (causal softmax from all "
                    + "prefill queries; the trace must store them). Default: as the policy says (registered policies: recorded).")
    String scores;

    /** The policy with its accumulated-attention source set when --scores is given; other scorers are unchanged. */
    PolicySpec apply(PolicySpec policy) { return scores == null ? policy : policy.withScoreSource(source()); }

    ScoreSource source() {
        return switch (scores.toLowerCase(Locale.ROOT)) {
            case "recorded" -> ScoreSource.RECORDED;
            case "recomputed" -> ScoreSource.RECOMPUTED;
            default -> throw new IllegalArgumentException("--scores must be 'recorded' or 'recomputed', was '" + scores + "'");
        };
    }
}
