package lookm.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lookm.bench.cli.LookmCli;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's acceptance: a sweep over 8 synthetic traces × 4 policies × 3 budgets gives the same table on this JVM and
 * as a Spark job in local mode, cell by cell, also when a task fails once and Spark retries it; a cell that always
 * fails is reported with its trace, layer, policy and budget while the others finish, and --resume computes only it.
 */
class SparkSweepTest {
    static final int TRACES = 8;
    static final String POLICIES = "lookm,h2o,snapkv-32,tp-average";
    static final String BUDGETS = "0.1,0.2,0.4";
    static final int LAYERS = 2;
    static final int CELLS = TRACES * 4 * 3 * LAYERS;
    /** A cell of the sweep ("TRACE:LAYER:POLICY:BUDGET"), the task of which the hooks fail. */
    static final String CELL = "3:1:h2o:0.2";

    @TempDir static Path dir;
    static Path traces, local;
    static String localError;

    @BeforeAll static void tracesAndLocalSweep() {
        traces = dir.resolve("traces");
        for (int i = 0; i < TRACES; i++)
            lookm("trace", "synth", "--out", traces.resolve("t" + i).toString(), "--layers", String.valueOf(LAYERS), "--heads", "4",
                    "--kv-heads", "2", "--head-dim", "16", "--tokens", String.valueOf(96 + 8 * i), "--tokens-per-image", "48",
                    "--text-before", "16", "--probes", "4", "--seed", String.valueOf(i), "--quiet");
        local = dir.resolve("local");
        lookm("sweep", "--traces", traces.toString(), "--policies", POLICIES, "--budgets", BUDGETS, "--out", local.toString(), "--quiet");
    }

    @Test void sparkGivesTheLocalTableCellByCellAlsoWhenATaskIsRetried() throws IOException {
        Path spark = dir.resolve("spark-retried");
        System.setProperty(SparkSweepEngine.FAIL_ONCE, CELL);
        try {
            lookm("sweep", "--traces", traces + "/t*", "--policies", POLICIES, "--budgets", BUDGETS, "--out", spark.toString(), "--quiet",
                    "--engine", "spark", "--master", "local[2,2]");
        } finally {
            System.clearProperty(SparkSweepEngine.FAIL_ONCE);
        }
        assertSameTables(local, spark);
        Result compared = run("compare", local.toString(), spark.toString());
        assertTrue(compared.out.contains("results: identical"), compared.out);     // timings are counted apart
        List<String[]> csv = rows(spark.resolve("sweep-cells.csv"));
        assertEquals(CELLS, csv.size());
        try (Stream<Path> files = Files.list(spark.resolve(SparkSweepSession.PARQUET))) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".crc")).toList());
        }
        try (SparkSession s = SparkSession.builder().master("local[1]").appName("read back").config("spark.ui.enabled", "false").getOrCreate()) {
            List<Row> parquet = s.read().parquet(spark.resolve(SparkSweepSession.PARQUET).toString()).collectAsList();
            assertEquals(CELLS, parquet.size());
            List<String> header = List.of(Files.readAllLines(spark.resolve("sweep-cells.csv")).stream().filter(l -> !l.startsWith("#")).findFirst()
                    .orElseThrow().split(","));
            for (Row r : parquet) {
                String[] match = csv.stream().filter(c -> c[0].equals(r.getString(0)) && Integer.parseInt(c[1]) == r.getInt(1)
                        && c[2].equals(r.getString(2)) && Double.parseDouble(c[3]) == r.getDouble(3)).findFirst().orElseThrow();
                for (int c = 0; c < header.size(); c++) {
                    Object v = r.get(r.fieldIndex(header.get(c)));
                    String expected = match[c];
                    if (v instanceof Double d) assertEquals(expected.isEmpty() ? Double.NaN : Double.parseDouble(expected), d, 0.0, header.get(c));
                    else assertEquals(expected, String.valueOf(v), header.get(c));
                }
            }
        }
    }

    @Test void withoutRetriesTheInjectedFailureFailsTheJob() {
        System.setProperty(SparkSweepEngine.FAIL_ONCE, CELL);
        try {
            Result r = run("sweep", "--traces", traces.toString(), "--policies", POLICIES, "--budgets", BUDGETS, "--out",
                    dir.resolve("no-retry").toString(), "--quiet", "--engine", "spark", "--master", "local[2]");   // local[N]: one attempt
            assertEquals(LookmCli.EXIT_INTERNAL, r.code, r.err);
            assertTrue(r.err.contains("the Spark job failed"), r.err);
        } finally {
            System.clearProperty(SparkSweepEngine.FAIL_ONCE);
        }
    }

    @Test void aFailingCellIsReportedTheOthersFinishAndResumeComputesOnlyIt() throws IOException {
        Path out = dir.resolve("failing");
        String[] args = {"sweep", "--traces", traces.toString(), "--policies", POLICIES, "--budgets", BUDGETS, "--out", out.toString(),
                "--quiet", "--engine", "spark", "--master", "local[2,2]"};
        System.setProperty(SparkSweepEngine.FAIL_ALWAYS, CELL);
        Result failed;
        try {
            failed = run(args);
        } finally {
            System.clearProperty(SparkSweepEngine.FAIL_ALWAYS);
        }
        assertEquals(LookmCli.EXIT_INTERNAL, failed.code, failed.err);
        assertTrue(failed.err.contains("trace " + traces.resolve("t3") + ", policy h2o at budget 0.2"), failed.err);
        assertTrue(failed.err.contains("layer 1: injected cell failure"), failed.err);
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        assertEquals(CELLS - 1, cellFiles(partial), "every other cell finished and was kept");
        assertFalse(Files.exists(out));
        // the same partial run continued on the local engine (--engine and --master are not part of the resume key)
        Path copy = dir.resolve("failing-local");
        copyTree(partial, copy.resolveSibling(copy.getFileName() + ".partial"));
        List<String> onLocal = new ArrayList<>(List.of("sweep", "--traces", traces.toString(), "--policies", POLICIES, "--budgets", BUDGETS,
                "--out", copy.toString(), "--quiet", "--resume"));
        Result onLocalRun = run(onLocal.toArray(String[]::new));
        assertEquals(LookmCli.EXIT_OK, onLocalRun.code, onLocalRun.err);
        assertSameTables(local, copy);
        // resuming: a finished cell made to fail proves it is not computed again
        System.setProperty(SparkSweepEngine.FAIL_ALWAYS, "0:0:lookm:0.1");
        Result resumed;
        try {
            List<String> withResume = new ArrayList<>(List.of(args));
            withResume.add("--resume");
            resumed = run(withResume.toArray(String[]::new));
        } finally {
            System.clearProperty(SparkSweepEngine.FAIL_ALWAYS);
        }
        assertEquals(LookmCli.EXIT_OK, resumed.code, resumed.err);
        assertSameTables(local, out);
    }

    @Test void oneTraceSweepMatchesTheLocalOneWithoutATraceColumn() throws IOException {
        Path one = traces.resolve("t5"), a = dir.resolve("one-local"), b = dir.resolve("one-spark");
        lookm("sweep", "--trace", one.toString(), "--policies", "lookm,random", "--budgets", "0.2", "--seed", "7", "--out", a.toString(), "--quiet");
        lookm("sweep", "--trace", one.toString(), "--policies", "lookm,random", "--budgets", "0.2", "--seed", "7", "--out", b.toString(), "--quiet",
                "--engine", "spark", "--master", "local[1,2]");
        assertSameTables(a, b);
        assertTrue(Files.readAllLines(b.resolve("sweep.csv")).stream().filter(l -> !l.startsWith("#")).findFirst().orElseThrow().startsWith("policy,"));
    }

    @Test void theOpenClBackendIsRefusedWithTheSparkEngine() {
        Result r = run("sweep", "--trace", traces.resolve("t0").toString(), "--backend", "opencl", "--engine", "spark", "--out",
                dir.resolve("refused").toString(), "--quiet");
        assertEquals(LookmCli.EXIT_BAD_INPUT, r.code, r.err);
        assertTrue(r.err.contains("--engine spark runs the reference backend"), r.err);
    }

    /** sweep-cells.csv and sweep.csv equal row by row (comment lines and timings aside), sweep.json's results equal. */
    static void assertSameTables(Path a, Path b) throws IOException {
        assertEquals(data(a.resolve("sweep-cells.csv")), data(b.resolve("sweep-cells.csv")));
        assertEquals(withoutTiming(a.resolve("sweep.csv")), withoutTiming(b.resolve("sweep.csv")));
        assertEquals(results(a), results(b));
        for (String png : List.of("plot-relative-error.png", "plot-recall.png", "plot-topk.png", "plot-retention.png"))
            assertTrue(Files.size(b.resolve(png)) > 0, png);
    }

    static List<String> data(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().filter(l -> !l.startsWith("#")).toList();
    }

    static List<String> withoutTiming(Path csv) throws IOException {
        List<String> lines = data(csv);
        int t = List.of(lines.get(0).split(",")).indexOf("compress_seconds");
        assertTrue(t >= 0);
        return lines.stream().map(l -> {
            List<String> cells = new ArrayList<>(List.of(l.split(",", -1)));
            cells.remove(t);
            return String.join(",", cells);
        }).toList();
    }

    static JsonNode results(Path out) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Files.readString(out.resolve("sweep.json")));
        ObjectNode copy = root.deepCopy();
        copy.remove("run");
        for (String list : List.of("results", "pooled"))
            if (copy.has(list)) for (JsonNode r : copy.get(list)) ((ObjectNode) r).remove("compressSeconds");
        return copy;
    }

    static List<String[]> rows(Path csv) throws IOException {
        List<String> lines = data(csv);
        return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    static long cellFiles(Path partial) throws IOException {
        try (Stream<Path> walk = Files.walk(partial.resolve("cells"))) {
            return walk.filter(p -> p.getFileName().toString().startsWith("layer-")).count();
        }
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LookmCli.run(args, null, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    static void lookm(String... args) {
        Result r = run(args);
        assertEquals(LookmCli.EXIT_OK, r.code, () -> String.join(" ", args) + "\n" + r.err + r.out);
    }
}
