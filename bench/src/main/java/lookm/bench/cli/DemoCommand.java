package lookm.bench.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import lookm.traces.synth.SampleTrace;
import lookm.traces.write.AtomicDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lookm demo}: {@code sweep} on the bundled sample trace, with the default policies and budgets. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run 'sweep' on the bundled sample trace (default output lookm-out/demo).")
final class DemoCommand implements Callable<Integer> {
    static final String NAME = "demo";

    @Spec CommandSpec spec;

    @Mixin SweepOptions sweep;
    @Mixin BackendOptions backend;
    @Mixin OutputOptions output;

    @Override public Integer call() {
        output.check(NAME);
        Path sample = SampleTrace.extractToTemp();
        try {
            SweepRun.run(NAME, sample, sweep.policySpecs(), sweep.budgets, sweep.recentShare, backend, output, sweep.quiet,
                    spec.commandLine().getOut(), spec.commandLine().getErr());
        } finally {
            AtomicDirectory.deleteRecursively(sample.getParent());
        }
        return LookmCli.EXIT_OK;
    }
}
