package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --traces DIR_OR_GLOB}: several traces on the local engine, the trace as a column, each trace's rows equal to
 * a one-trace sweep of it; the per-cell table; trace sets from a directory, a glob, several values; the refusals; and
 * {@code --engine spark} without the spark module on the class path (the default build) says how to get it.
 */
class MultiTraceSweepTest {
    static final String POLICIES = "lookm,h2o";
    static final String BUDGETS = "0.2,0.4";
    @TempDir static Path dir;
    static Path traces;

    @BeforeAll static void traces() {
        traces = dir.resolve("traces");
        for (int i = 0; i < 3; i++)
            ok("trace", "synth", "--out", traces.resolve("t" + i).toString(), "--layers", "2", "--heads", "2", "--head-dim", "16", "--tokens",
                    String.valueOf(80 + 16 * i), "--tokens-per-image", "32", "--text-before", "8", "--probes", "4", "--seed", String.valueOf(i), "--quiet");
    }

    @Test void eachTracesRowsAreItsOneTraceSweep() throws IOException {
        Path all = dir.resolve("all");
        Result r = ok("sweep", "--traces", traces.toString(), "--policies", POLICIES, "--budgets", BUDGETS, "--out", all.toString(), "--quiet");
        assertTrue(r.out.contains("on 3 traces"), r.out);
        List<String> rows = data(all.resolve("sweep.csv"));
        assertTrue(rows.get(0).startsWith("trace,policy,budget,"), rows.get(0));
        assertEquals(1 + 3 * 2 * 2, rows.size());
        List<String> cells = data(all.resolve("sweep-cells.csv"));
        assertEquals(1 + 3 * 2 * 2 * 2, cells.size());
        for (int i = 0; i < 3; i++) {
            Path one = dir.resolve("one-" + i), trace = traces.resolve("t" + i);
            ok("sweep", "--trace", trace.toString(), "--policies", POLICIES, "--budgets", BUDGETS, "--out", one.toString(), "--quiet");
            List<String> single = withoutTiming(data(one.resolve("sweep.csv")));
            List<String> mine = withoutTiming(rows.stream().filter(l -> l.startsWith(trace + ",")).map(l -> l.substring(trace.toString().length() + 1)).toList());
            assertEquals(single.subList(1, single.size()), mine, "trace " + trace);
            assertEquals(data(one.resolve("sweep-cells.csv")).subList(1, 1 + 2 * 2 * 2),
                    cells.stream().filter(l -> l.startsWith(trace + ",")).toList());
        }
    }

    @Test void aGlobAndSeveralValuesPickTheSameTraces() throws IOException {
        Path glob = dir.resolve("glob"), listed = dir.resolve("listed");
        ok("sweep", "--traces", traces + "/t[02]", "--policies", "h2o", "--budgets", "0.4", "--out", glob.toString(), "--quiet");
        ok("sweep", "--traces", traces.resolve("t0").toString(), traces.resolve("t2").toString(), "--policies", "h2o", "--budgets", "0.4",
                "--out", listed.toString(), "--quiet");
        assertEquals(withoutTiming(data(glob.resolve("sweep.csv"))), withoutTiming(data(listed.resolve("sweep.csv"))));
        assertEquals(3, data(glob.resolve("sweep.csv")).size());
    }

    @Test void refusals() {
        assertRefused("give one of --trace DIR or --traces", "sweep", "--out", dir.resolve("r0").toString());
        assertRefused("matches no trace directory", "sweep", "--traces", traces + "/nothing*", "--out", dir.resolve("r1").toString());
        assertRefused("no such directory", "sweep", "--traces", dir.resolve("absent").toString(), "--out", dir.resolve("r2").toString());
        assertRefused("is listed twice", "sweep", "--traces", traces.toString(), traces.resolve("t1").toString(), "--out", dir.resolve("r3").toString());
        assertRefused("mvn -q -pl spark -am package -DskipTests", "sweep", "--traces", traces.toString(), "--engine", "spark", "--out",
                dir.resolve("r4").toString(), "--quiet");
        assertRefused("--scores-from ranks one trace's scores", "sweep", "--traces", traces.toString(), "--scores-from",
                traces.resolve("t0/kv.arrow").toString(), "--out", dir.resolve("r5").toString(), "--quiet");
    }

    @Test void masterWithTheLocalEngineIsWarnedAbout() {
        Result r = ok("sweep", "--trace", traces.resolve("t0").toString(), "--policies", "h2o", "--budgets", "0.4", "--master", "local[2]",
                "--out", dir.resolve("warned").toString(), "--quiet");
        assertTrue(r.err.contains("warning: --master has no effect with --engine local"), r.err);
    }

    static void assertRefused(String message, String... args) {
        Result r = run(args);
        assertEquals(LookmCli.EXIT_BAD_INPUT, r.code, r.err);
        assertTrue(r.err.contains(message), r.err);
    }

    static List<String> data(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().filter(l -> !l.startsWith("#")).toList();
    }

    static List<String> withoutTiming(List<String> lines) {
        int t = List.of(lines.get(0).split(",")).indexOf("compress_seconds");
        return lines.stream().map(l -> {
            List<String> cells = new ArrayList<>(List.of(l.split(",", -1)));
            cells.remove(t >= 0 ? t : SweepRun.COLUMNS.indexOf("compress_seconds"));
            return String.join(",", cells);
        }).toList();
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LookmCli.run(args, null, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    static Result ok(String... args) {
        Result r = run(args);
        assertEquals(LookmCli.EXIT_OK, r.code, () -> String.join(" ", args) + "\n" + r.err);
        return r;
    }
}
