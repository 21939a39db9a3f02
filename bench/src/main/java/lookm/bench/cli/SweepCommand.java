package lookm.bench.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lookm sweep}: policies × budgets on one trace; the comparison tables, sweep.json/csv and PNG plots. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compare policies over budgets on a trace: tables (JSON, CSV) and PNG plots.")
final class SweepCommand implements Callable<Integer> {
    static final String NAME = "sweep";

    @Spec CommandSpec spec;

    @Option(names = "--trace", required = true, paramLabel = "DIR", description = "Trace directory.")
    Path trace;

    @Option(names = "--policies", split = ",", paramLabel = "NAMES", defaultValue = SweepRun.DEFAULT_POLICIES,
            description = "Comma-separated policy names (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--budgets", split = ",", paramLabel = "B", defaultValue = SweepRun.DEFAULT_BUDGETS,
            description = "Comma-separated total budgets (N+R)/T in (0, 1] (default: ${DEFAULT-VALUE}).")
    List<Double> budgets;

    @Option(names = "--recent-share", paramLabel = "S", defaultValue = "0.5", description = "Share of each budget for the recent window (default 0.5).")
    double recentShare;

    @Mixin BackendOptions backend;
    @Mixin ScoreOptions scores;
    @Mixin OutputOptions output;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override public Integer call() {
        SweepRun.run(NAME, trace, Runs.policies(policies).stream().map(scores::apply).toList(), budgets, recentShare, backend, output, quiet,
                spec.commandLine().getOut(), spec.commandLine().getErr());
        return LookmCli.EXIT_OK;
    }
}
