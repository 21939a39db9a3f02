package lookm.bench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code lookm jmh [JMH options]}: the JMH runner over the benchmarks in this jar (META-INF/BenchmarkList), e.g.
 * {@code lookm jmh CompressionBench -p backend=reference,opencl -p tokens=1024 -rf json -rff jmh.json}. Every
 * argument is passed to JMH ({@code lookm jmh -h} shows JMH's help, {@code -l} lists the benchmarks).
 */
@Command(name = "jmh", description = "Run the JMH benchmarks in this jar; every argument goes to JMH (-h: JMH's help, -l: list).")
final class JmhCommand implements Callable<Integer> {
    @Unmatched List<String> args = new ArrayList<>();

    @Override public Integer call() throws RunnerException {
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            throw new IllegalArgumentException("bad JMH option: " + e.getMessage(), e);
        }
        Runner runner = new Runner(options);
        try {
            if (options.shouldHelp()) options.showHelp();
            else if (options.shouldList()) runner.list();
            else if (options.shouldListWithParams()) runner.listWithParams(options);
            else if (options.shouldListProfilers()) options.listProfilers();
            else if (options.shouldListResultFormats()) options.listResultFormats();
            else {
                java.util.Collection<RunResult> results = runner.run();
                return results.isEmpty() ? LookmCli.EXIT_INTERNAL : LookmCli.EXIT_OK;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("JMH could not print its help", e);
        }
        return LookmCli.EXIT_OK;
    }
}
