package lookm.bench.cli;

import java.nio.file.Path;
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

    @Mixin SweepOptions sweep;
    @Mixin ExternalScoreOptions external;
    @Mixin BackendOptions backend;
    @Mixin OutputOptions output;
    @Mixin OutputOptions.Resume resume;

    @Override public Integer call() {
        SweepRun.run(NAME, trace, sweep, backend, output, resume.resume, spec, external);
        return LookmCli.EXIT_OK;
    }
}
