package lookm.bench.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import lookm.traces.synth.SampleTrace;
import lookm.traces.write.ScratchDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookm demo}: {@code sweep} on the bundled sample trace, with the default policies and budgets. The sample
 * is extracted into a {@link ScratchDirectory}, so an interrupted demo leaves no copy in the temporary directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run 'sweep' on the bundled sample trace (default output lookm-out/demo).")
final class DemoCommand implements Callable<Integer> {
    static final String NAME = "demo";
    /** Name of the extracted sample inside the scratch directory. */
    static final String SAMPLE = "sample";

    @Spec CommandSpec spec;

    @Mixin SweepOptions sweep;
    @Mixin BackendOptions backend;
    @Mixin OutputOptions output;
    @Mixin OutputOptions.Resume resume;

    @Override public Integer call() {
        output.check(NAME, List.of());
        try (ScratchDirectory scratch = ScratchDirectory.create("demo-sample")) {
            Path sample = SampleTrace.extractTo(scratch.path().resolve(SAMPLE));
            SweepRun.run(NAME, sample, sweep, backend, output, resume.resume, spec);
        }
        return LookmCli.EXIT_OK;
    }
}
