package lookm.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import lookm.bench.report.JsonReader;
import lookm.bench.report.TextTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookm compare A B}: what differs between two runs, read from their reports (an output directory or its
 * JSON file): first the parameters (the {@code run} record: options, commit, inputs' checksums, policy, budget…),
 * then the results, with B − A for numbers. Timings and memory, which vary from run to run, are counted apart
 * ({@code --all} lists them). Exit 0 whether or not they differ; 2 when a report cannot be read.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show what differs between two runs' parameters and results (output directories or their JSON reports).")
final class CompareCommand implements Callable<Integer> {
    /** Report files looked for in an output directory, in this order. */
    static final List<String> REPORTS = List.of("replay.json", "sweep.json", "bench.json");
    /** Leaf names of values that vary between identical runs: timings, throughput, memory, when it ran. */
    static final Pattern VOLATILE = Pattern.compile(".*(Seconds|PerSecond|Nanos|Millis|Ms|Heap|speedup|timestamp|boundBy).*");
    /** Fields that identify an element of a list of results (used in its path instead of the index). */
    static final List<String> IDENTITY = List.of("trace", "policy", "budgetFraction", "layer", "kvHead", "backend");
    private static final String RUN = "run";

    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "A", description = "First run: output directory or report JSON.") Path a;
    @Parameters(index = "1", paramLabel = "B", description = "Second run: output directory or report JSON.") Path b;
    @Option(names = "--all", description = "Also list timings and memory, which vary between runs.") boolean all;

    @Override public Integer call() {
        Path fa = report(a), fb = report(b);
        Map<String, Object> ra = flatten(read(fa)), rb = flatten(read(fb));
        Set<String> keys = new LinkedHashSet<>(ra.keySet());
        keys.addAll(rb.keySet());
        TextTable parameters = new TextTable("parameter", "A", "B"), results = new TextTable("result", "A", "B", "B - A");
        int parameterCount = 0, resultCount = 0, volatileCount = 0;
        for (String k : keys) {
            Object va = ra.get(k), vb = rb.get(k);
            if (Objects.equals(va, vb)) continue;
            boolean isVolatile = VOLATILE.matcher(leaf(k)).matches();
            if (isVolatile) volatileCount++;
            if (isVolatile && !all) continue;
            if (k.startsWith(RUN + ".")) {
                parameters.row(k.substring(RUN.length() + 1), show(va), show(vb));
                parameterCount++;
            } else {
                results.row(k, show(va), show(vb), va instanceof Double x && vb instanceof Double y ? TextTable.num(y - x, 6) : "");
                resultCount++;
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("A: %s%nB: %s%n", fa, fb);
        out.println(parameterCount == 0 ? "parameters: identical" : "parameters that differ (" + parameterCount + "):");
        if (parameterCount > 0) out.print(parameters);
        out.println(resultCount == 0 ? "results: identical" : "results that differ (" + resultCount + "):");
        if (resultCount > 0) out.print(results);
        if (!all) out.println("timings and memory: " + volatileCount + " values differ (they vary between runs; --all lists them)");
        return LookmCli.EXIT_OK;
    }

    /** The report file of a run: the path itself, or the first of {@link #REPORTS} in a directory. */
    static Path report(Path run) {
        if (Files.isRegularFile(run)) return run;
        if (!Files.isDirectory(run)) throw new IllegalArgumentException(run + ": no such run (an output directory or its report JSON)");
        for (String name : REPORTS) if (Files.isRegularFile(run.resolve(name))) return run.resolve(name);
        throw new IllegalArgumentException(run + ": holds no report (" + String.join(", ", REPORTS) + ")");
    }

    private static Object read(Path file) {
        try {
            return JsonReader.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Path ("run.options.--budget", "results[h2o 0.2].overall.recall") to leaf value. */
    static Map<String, Object> flatten(Object root) {
        Map<String, Object> out = new LinkedHashMap<>();
        flatten("", root, out);
        return out;
    }

    private static void flatten(String path, Object value, Map<String, Object> out) {
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) flatten(path.isEmpty() ? e.getKey().toString() : path + "." + e.getKey(), e.getValue(), out);
        } else if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?>) {
            for (int i = 0; i < list.size(); i++) flatten(path + "[" + label(list.get(i), i) + "]", list.get(i), out);
        } else {
            out.put(path, value instanceof List<?> l ? l.toString() : value);
        }
    }

    private static String label(Object element, int index) {
        StringBuilder s = new StringBuilder();
        if (element instanceof Map<?, ?> m)
            for (String id : IDENTITY) if (m.get(id) != null) s.append(s.length() == 0 ? "" : " ").append(show(m.get(id)));
        return s.length() == 0 ? String.valueOf(index) : s.toString();
    }

    private static String leaf(String path) { return path.substring(path.lastIndexOf('.') + 1); }

    private static String show(Object v) {
        if (v == null) return "-";
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
        return v.toString();
    }
}
