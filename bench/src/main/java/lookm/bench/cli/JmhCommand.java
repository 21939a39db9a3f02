package lookm.bench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * argument but lookm's {@code --overwrite} is passed to JMH ({@code lookm jmh -h} shows JMH's help, {@code -l} lists
 * the benchmarks). The files JMH would write ({@code -rff}, its default {@code jmh-result.FORMAT} with {@code -rf},
 * {@code -o}) follow the output rules: an existing one is replaced only with {@code --overwrite}, a directory never.
 */
@Command(name = "jmh", description = "Run the JMH benchmarks in this jar; every argument goes to JMH (-h: JMH's help, -l: list).")
final class JmhCommand implements Callable<Integer> {
    /** lookm's own flag among JMH's arguments. */
    static final String OVERWRITE = "--overwrite";
    /** JMH's result file name when {@code -rf} is given without {@code -rff}. */
    static final String DEFAULT_RESULT = "jmh-result.";

    @Unmatched List<String> args = new ArrayList<>();

    @Override public Integer call() throws RunnerException {
        boolean overwrite = args.remove(OVERWRITE);
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            throw new IllegalArgumentException("bad JMH option: " + e.getMessage(), e);
        }
        if (options.getResult().hasValue()) requireWritableFile("-rff", Path.of(options.getResult().get()), overwrite);
        else if (options.getResultFormat().hasValue())
            requireWritableFile("-rf", Path.of(DEFAULT_RESULT + options.getResultFormat().get().toString().toLowerCase(Locale.ROOT)), overwrite);
        if (options.getOutput().hasValue()) requireWritableFile("-o", Path.of(options.getOutput().get()), overwrite);
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

    /** Refuses a file JMH would write when it is a directory, or exists and {@code --overwrite} was not given. */
    static void requireWritableFile(String option, Path file, boolean overwrite) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(option + " " + file + " is a directory; JMH writes a file there: name a file");
        if (Files.exists(file) && !overwrite)
            throw new IllegalArgumentException(option + " " + file + " already exists; refusing to overwrite it without --overwrite");
    }
}
