package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lookm conform --python in-process, with the project's .venv-traces (created by .ci/python-tests); without it the
 * tests skip, saying so. CI runs the same checks through the launcher in traces/python/test_conform.py, after Maven.
 */
class ConformCliTest {
    static final Path VENV_PYTHON = Path.of("..", ".venv-traces", "bin", "python").toAbsolutePath().normalize();
    static final Path PYTHON_DIR = Path.of("..", "traces", "python").toAbsolutePath().normalize();
    static final String EXAMPLES = "20";

    @TempDir Path tmp;

    @BeforeEach                             // per test, so that each one is reported skipped with the reason
    void needsTheVenv() {
        Assumptions.assumeTrue(Files.isExecutable(VENV_PYTHON), "no " + VENV_PYTHON + " (run bash .ci/python-tests to create it): conform tests skipped");
    }

    record Run(int code, String out, String err) {}

    Run conform(String... extra) {
        String[] base = {"conform", "--python-exe", VENV_PYTHON.toString(), "--python-path", PYTHON_DIR.toString(), "--examples", EXAMPLES,
                "--out", tmp.resolve("counterexample").toString()};
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra)).toArray(String[]::new);
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LookmCli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void pytorchH2oPassesAndMatchesH2o() {
        Run r = conform("--python", "lookm_traces.variants:h2o", "--matches", "h2o");
        assertEquals(LookmCli.EXIT_OK, r.code(), r.err());
        assertTrue(r.out().contains("passed " + EXAMPLES + " generated case(s)"), r.out());
    }

    @Test
    void pytorchLookmMatchesLookmWithMergedKeysAndValues() {
        Run r = conform("--python", "lookm_traces.variants:lookm", "--matches", "lookm");
        assertEquals(LookmCli.EXIT_OK, r.code(), r.err());
        assertTrue(r.out().contains("kept sets and K/V equal to lookm"), r.out());
    }

    @Test
    void pytorchH2oDoesNotMatchLookm() {
        Run r = conform("--python", "lookm_traces.variants:h2o", "--matches", "lookm");
        assertEquals(ConformCommand.EXIT_VIOLATED, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("matches lookm: VIOLATED"), r.err());
    }

    @Test
    void brokenH2oFailsWithAShrunkCounterexampleThatReplays() {
        Run r = conform("--python", "lookm_traces.variants:broken_h2o", "--matches", "h2o");
        assertEquals(ConformCommand.EXIT_VIOLATED, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("matches h2o: VIOLATED") && r.err().contains("CacheCase (H=1, T="), r.err());
        assertTrue(Files.isRegularFile(tmp.resolve("counterexample").resolve("keys.npy")), r.err());
        assertTrue(r.err().contains("--case " + tmp.resolve("counterexample")), r.err());
        Run replay = conform("--python", "lookm_traces.variants:broken_h2o", "--matches", "h2o", "--case", tmp.resolve("counterexample").toString());
        assertEquals(ConformCommand.EXIT_VIOLATED, replay.code(), replay.out() + replay.err());
        Run fixed = conform("--python", "lookm_traces.variants:h2o", "--matches", "h2o", "--case", tmp.resolve("counterexample").toString());
        assertEquals(LookmCli.EXIT_OK, fixed.code(), fixed.out() + fixed.err());
    }

    @Test
    void aCrashingWorkerIsExit2WithTheReasonAndTheCase() {
        Run r = conform("--python", "conform_fixtures:crash");
        assertEquals(LookmCli.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("crashed: ") && r.err().contains("on the case:"), r.err());
    }

    @Test
    void aHangingWorkerIsKilledAfterTheTimeout() {
        Run r = conform("--python", "conform_fixtures:hang", "--timeout", "1");
        assertEquals(LookmCli.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("hung: it took more than 1.0 s to answer (--timeout); killed"), r.err());
    }

    @Test
    void anUnknownCallableIsExit2NamingIt() {
        Run r = conform("--python", "lookm_traces.variants:no_such_variant");
        assertEquals(LookmCli.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("no callable 'no_such_variant'"), r.err());
    }

    @Test
    void aMalformedCallableNameIsExit2() {
        Run r = conform("--python", "not a callable");
        assertEquals(LookmCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("--python must be MODULE:CALLABLE"), r.err());
    }
}
