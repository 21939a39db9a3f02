package lookm.bench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import lookm.traces.synth.SampleTrace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lookm demo}: {@code sweep} on the bundled sample trace, with the default policies and budgets. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run 'sweep' on the bundled sample trace (default output lookm-out/demo).")
final class DemoCommand implements Callable<Integer> {
    static final String NAME = "demo";

    @Spec CommandSpec spec;

    @Option(names = "--policies", split = ",", paramLabel = "NAMES", defaultValue = SweepRun.DEFAULT_POLICIES,
            description = "Comma-separated policy names (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--budgets", split = ",", paramLabel = "B", defaultValue = SweepRun.DEFAULT_BUDGETS,
            description = "Comma-separated total budgets (N+R)/T (default: ${DEFAULT-VALUE}).")
    List<Double> budgets;

    @Mixin BackendOptions backend;
    @Mixin OutputOptions output;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override public Integer call() {
        output.check(NAME);
        Path sample = SampleTrace.extractToTemp();
        try {
            SweepRun.run(NAME, sample, Runs.policies(policies), budgets, BudgetOptions.DEFAULT_RECENT_SHARE, backend, output, quiet,
                    spec.commandLine().getOut(), spec.commandLine().getErr());
        } finally {
            deleteTree(sample.getParent());
        }
        return LookmCli.EXIT_OK;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the extracted sample " + root, e);
        }
    }

    static List<String> defaults() { return Arrays.asList(SweepRun.DEFAULT_POLICIES.split(",")); }
}
