package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lookm.bench.replay.CellStore;
import lookm.bench.report.OutputDirectory;
import lookm.bench.report.Provenance;
import lookm.bench.report.RunInfo;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.tensor.Budget;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceMetadata;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Small helpers shared by the commands: trace, policy and run-record plumbing. */
final class Runs {
    private Runs() {}

    /** Opens a trace; a missing or malformed one is a TraceFormatException (exit 2). */
    static TraceReader openTrace(Path trace) {
        if (trace == null) throw new IllegalArgumentException("--trace is required");
        return TraceReader.open(trace);
    }


    /** The seed that decides this policy's output, if any (the random scorer's). */
    static Long policySeed(PolicySpec policy) {
        return policy.score().randomSeed();
    }

    /** Adds the trace's path, id (directory name) and model to a run record. */
    static RunInfo withTrace(RunInfo info, TraceReader reader) {
        TraceMetadata m = reader.metadata();
        Path p = reader.path().toAbsolutePath().normalize();
        String id = p.getFileName() + (m.source().isEmpty() ? "" : " (" + m.source() + ")");
        return info.withTrace(reader.path().toString(), id, m.modelName());
    }

    /**
     * The policy with its seed replaced when it is seeded (the random scorer) and {@code seed} is given; others unchanged.
     */
    static PolicySpec withSeed(PolicySpec policy, Long seed) {
        if (seed == null || policy.score().randomSeed() == null) return policy;
        return new PolicySpec(policy.name(), policy.description(), new ScoreSpec.Random(seed), policy.select(), policy.merge(), policy.original());
    }

    /** The files a run reads: the trace and, with {@code --scores-from}, the scores file (the output rules and checksums cover both). */
    static List<Path> inputs(Path trace, ExternalScoreOptions external) {
        return external == null || external.scoresFrom == null ? List.of(trace) : List.of(trace, external.scoresFrom);
    }

    /** Warns when {@code --seed} was given but no policy uses a seed. */
    static void warnUnusedSeed(String command, Long seed, List<PolicySpec> policies, PrintWriter err) {
        if (seed != null && policies.stream().noneMatch(p -> policySeed(p) != null))
            warn(command, "--seed has no effect: none of the policies is seeded (only 'random' is)", err);
    }

    /**
     * Refuses a budget that keeps no token of a {@code tokens}-token trace, naming the option and the trace.
     *
     * @param what how the user spelled the budget, e.g. "--budget 0.001"
     */
    static void requireKeepsTokens(Budget budget, int tokens, String what, Path trace) {
        int heavy = budget.heavy(tokens), recent = budget.recent(tokens);
        if (heavy + recent <= 0)
            throw new IllegalArgumentException(what + " keeps 0 of the " + tokens + " tokens of " + trace + " (" + budget + " gives N = "
                    + heavy + ", R = " + recent + "); choose a budget of at least 1/" + tokens + " of T");
    }

    /** One warning line on stderr: "lookm CMD: warning: ...". */
    static void warn(String command, String message, PrintWriter err) {
        err.println("lookm " + command + ": warning: " + message);
    }

    /** Whether the user typed {@code option} on this command's line (not just its default). */
    static boolean given(CommandSpec spec, String option) {
        return spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The command line, commit, every option's effective value and the inputs' checksums, for the run record. */
    static Provenance provenance(CommandSpec spec, List<Path> inputs) {
        List<String> args = spec.root().commandLine().getParseResult() == null ? List.of()
                : spec.root().commandLine().getParseResult().originalArgs();
        Map<String, Object> options = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            Object v = o.getValue();
            options.put(o.longestName(), v == null ? null : v instanceof List<?> || v instanceof Number || v instanceof Boolean ? v : v.toString());
        }
        return new Provenance(args, Provenance.buildCommit(), options, Provenance.checksums(inputs));
    }

    /** The cell store of a resumable output: cells are committed into its partial directory as they finish. */
    static CellStore cells(OutputDirectory dir) { return new CellStore(dir.staging(), dir::writeString); }

    /**
     * Runs {@code work}; when it fails or is stopped after some cells finished, says where they are kept and how to
     * continue, then rethrows.
     */
    static <T> T keepingCells(String command, OutputDirectory dir, PrintWriter err, java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            if (Files.isDirectory(dir.staging().resolve(CellStore.DIRECTORY)))
                err.println("lookm " + command + ": the finished cells are kept in " + dir.staging() + "; continue with the same command and --resume");
            throw e;
        }
    }

    /** Drops the kept cells and the resume key (the tables now hold everything) and moves the output into place. */
    static Path finish(OutputDirectory dir, CellStore cells) {
        cells.clear();
        ResumeKey.release(dir);
        return dir.commit();
    }
}
