package lookm.bench.cli;

import java.nio.file.Path;
import java.util.function.IntFunction;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Scores;
import lookm.traces.read.TraceReader;
import lookm.traces.scores.ScoreFile;
import picocli.CommandLine.Option;

/**
 * {@code --scores-from FILE} (replay, sweep, trace export): rank by scores computed elsewhere (a kvpress press, your own PyTorch code) instead of the
 * policy's scorer; the policy's selection and merge run on them (SPEC.md §2.7, FORMAT.md "External scores").
 */
final class ExternalScoreOptions {
    @Option(names = "--scores-from", paramLabel = "FILE",
            description = "Scores per layer and KV head computed elsewhere: .npy (L, H, T) or (H, T), or an Arrow IPC file with columns "
                    + "layer, head, position (int32) and score (float). Replaces the policy's scorer; its selection and merge are kept.")
    Path scoresFrom;

    private ScoreFile file;

    /** The policy ranking the external scores, or unchanged without --scores-from. */
    PolicySpec apply(PolicySpec policy) { return scoresFrom == null ? policy : policy.withExternalScores(); }

    /** Per layer, the file's (H, T) scores checked against the trace; null without --scores-from. */
    IntFunction<Scores> layers(TraceReader reader) {
        if (scoresFrom == null) return null;
        if (file == null) file = ScoreFile.read(scoresFrom);
        ScoreFile f = file;
        int heads = reader.metadata().kvHeads(), tokens = reader.metadata().tokens();
        // a file covers every layer of the trace, or is one layer (then only layer 0 can use it: ScoreFile.layer refuses others)
        if (f.layers() != reader.metadata().layers() && f.layers() != 1 || f.heads() != heads || f.tokens() != tokens)
            throw new IllegalArgumentException("--scores-from " + scoresFrom + ": scores are (L=" + f.layers() + ", H=" + f.heads() + ", T=" + f.tokens()
                    + "), the trace " + reader.path() + " is (L=" + reader.metadata().layers() + ", Hkv=" + heads + ", T=" + tokens + ")");
        return layer -> f.layer(layer, heads, tokens);
    }

    /** For the report: where the scores came from, or "". */
    String describe() { return scoresFrom == null ? "" : " scoresFrom=" + scoresFrom; }
}
