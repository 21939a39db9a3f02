package lookm.bench.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookm sweep}: policies × budgets on one trace ({@code --trace}) or several ({@code --traces}); the comparison
 * tables, sweep.json/csv, the per-cell table and PNG plots; on this JVM or as a Spark job ({@code --engine spark}).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compare policies over budgets on one trace or several: tables (JSON, CSV) and PNG plots.")
final class SweepCommand implements Callable<Integer> {
    static final String NAME = "sweep";

    @Spec CommandSpec spec;

    @Option(names = "--trace", paramLabel = "DIR", description = "Trace directory (or use --traces).")
    Path trace;

    @Option(names = TraceSet.OPTION, arity = "1..*", paramLabel = "DIR_OR_GLOB",
            description = "Several traces: trace directories, directories of traces, or globs ('runs/*'); the trace becomes a column.")
    List<String> traces;

    @Mixin SweepOptions sweep;
    @Mixin ExternalScoreOptions external;
    @Mixin BackendOptions backend;
    @Mixin EngineOptions engine;
    @Mixin OutputOptions output;
    @Mixin OutputOptions.Resume resume;

    @Override public Integer call() {
        if ((trace == null) == (traces == null))
            throw new IllegalArgumentException("give one of --trace DIR or " + TraceSet.OPTION + " DIR_OR_GLOB ...");
        List<Path> inputs = trace != null ? List.of(trace) : TraceSet.resolve(traces);
        SweepRun.run(NAME, inputs, traces != null, sweep, backend, output, resume.resume, spec, external, engine);
        return LookmCli.EXIT_OK;
    }
}
