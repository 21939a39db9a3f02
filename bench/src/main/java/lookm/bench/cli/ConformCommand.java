package lookm.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lookm.bench.conform.CaseFiles;
import lookm.bench.conform.Conformance;
import lookm.bench.conform.PythonWorker;
import lookm.properties.gen.CacheCase;
import lookm.properties.qt.Theories;
import lookm.spec.invariant.Verdict;
import lookm.spec.policy.PolicySpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lookm conform --python MODULE:CALLABLE}: the variant contract for a Python (PyTorch) variant, run in a worker
 * process over Arrow IPC on its stdin/stdout (bench/README.md). Exit 0: every case passed; {@value #EXIT_VIOLATED}: a
 * contract violation, shrunk, written as NumPy files with a one-line replay command; 2: the worker crashed,
 * hung or answered outside the protocol (with the case), or bad options.
 */
@Command(name = "conform", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Check a Python eviction variant against the contract (and a registered policy it claims to match).")
final class ConformCommand implements Callable<Integer> {
    static final String NAME = "conform";
    /** The contract is violated (a shrunk counterexample was written). */
    static final int EXIT_VIOLATED = 3;
    /** The interpreter used when the checkout has no .venv-traces and --python-exe is not given. */
    static final String DEFAULT_PYTHON = "python3";
    /** The project's virtual environment, relative to the working directory, tried first. */
    static final Path PROJECT_VENV_PYTHON = Path.of(".venv-traces", "bin", "python");
    /** Default seconds one answer may take. */
    static final double DEFAULT_TIMEOUT_SECONDS = 30;
    /** Default examples: the property suites' default. */
    static final int DEFAULT_EXAMPLES = 100;

    @Spec CommandSpec spec;

    @Option(names = "--python", required = true, paramLabel = "MODULE:CALLABLE",
            description = "The variant: a Python callable (see traces/python/lookm_traces/conform.py for the protocol), e.g. lookm_traces.variants:h2o.")
    String callable;

    @Option(names = "--matches", paramLabel = "POLICY", description = "A registered policy (or expression) the variant claims to match on the reference backend, e.g. h2o.")
    String matches;

    @Option(names = "--python-exe", paramLabel = "PATH", description = "The interpreter (default: ./.venv-traces/bin/python when present, else python3).")
    Path pythonExe;

    @Option(names = "--python-path", paramLabel = "DIR", description = "A directory put on the worker's PYTHONPATH (repeatable).")
    List<Path> pythonPath = new ArrayList<>();

    @Option(names = "--examples", paramLabel = "N", description = "Generated cases (default " + DEFAULT_EXAMPLES + ").")
    int examples = DEFAULT_EXAMPLES;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the generated cases (default " + Theories.DEFAULT_SEED + ").")
    long seed = Theories.DEFAULT_SEED;

    @Option(names = "--shrinks", paramLabel = "N", description = "Shrink cycles after a failure (default " + Theories.DEFAULT_SHRINKS + ").")
    int shrinks = Theories.DEFAULT_SHRINKS;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Seconds one answer may take before the worker counts as hung (default 30).")
    double timeout = DEFAULT_TIMEOUT_SECONDS;

    @Option(names = "--out", paramLabel = "DIR", description = "Where a counterexample trace goes (default: ./conform-counterexample-SEED, never overwritten).")
    Path out;

    @Option(names = "--case", paramLabel = "DIR", description = "Replay one case: a counterexample directory written by a failing run.")
    Path replayCase;

    @Override public Integer call() {
        if (!callable.matches("[A-Za-z_][\\w.]*:[A-Za-z_]\\w*"))
            throw new IllegalArgumentException("--python must be MODULE:CALLABLE (e.g. lookm_traces.variants:h2o), was '" + callable + "'");
        if (!(timeout > 0)) throw new IllegalArgumentException("--timeout must be > 0 seconds, was " + timeout);
        if (examples < 1) throw new IllegalArgumentException("--examples must be >= 1, was " + examples);
        PolicySpec claimed = matches == null ? null : PolicyArgs.one(matches);
        Path python = pythonExe != null ? pythonExe : Files.isExecutable(PROJECT_VENV_PYTHON) ? PROJECT_VENV_PYTHON : Path.of(DEFAULT_PYTHON);
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try (PythonWorker worker = PythonWorker.start(python, pythonPath, callable, timeout)) {
            Conformance conformance = new Conformance(worker, claimed);
            return replayCase != null ? replay(conformance, o, err) : generated(conformance, python, o, err);
        } catch (PythonWorker.WorkerFailedException e) {
            err.println("lookm conform: " + e.failure.name().toLowerCase() + ": " + e.getMessage());
            return LookmCli.EXIT_BAD_INPUT;
        }
    }

    private int generated(Conformance conformance, Path python, PrintWriter o, PrintWriter err) {
        Conformance.Outcome outcome = conformance.run(seed, examples, shrinks);
        String what = callable + (matches == null ? "" : " (claims " + matches + ")");
        if (outcome.workerFailure() != null) {
            err.println("lookm conform: " + outcome.workerFailure().failure.name().toLowerCase() + ": " + outcome.workerFailure().getMessage());
            err.println("on the case:");
            err.println(outcome.workerCase().describe());
            return LookmCli.EXIT_BAD_INPUT;
        }
        if (outcome.passed()) {
            o.printf("conform: %s passed %d generated case(s) (seed %d): kept positions valid, partition, %sfinite, identity when covering, deterministic%s%n",
                    what, outcome.examples(), seed, matches == null ? "budget bound, " : "",
                    matches == null ? "" : ", kept sets and K/V equal to " + matches + " (reference)");
            return LookmCli.EXIT_OK;
        }
        CacheCase c = outcome.failing();
        Path dir = writeCounterexample(c).toAbsolutePath();
        err.println("conform: " + what + " FAILED: " + outcome.violation());
        err.println("Smallest falsifying case:");
        err.println(c.describe());
        err.println("Counterexample (NumPy files): " + dir);
        err.println("Replay: bench/lookm conform --python " + callable + (matches == null ? "" : " --matches '" + matches + "'")
                + " --python-exe " + python + pathOptions() + " --case " + dir);
        return EXIT_VIOLATED;
    }

    private int replay(Conformance conformance, PrintWriter o, PrintWriter err) {
        CaseFiles.Case c = CaseFiles.read(replayCase);
        List<Verdict> verdicts = conformance.check(c.block(), c.observation(), c.budget());
        boolean ok = true;
        for (Verdict v : verdicts) {
            (v.holds() ? o : err).println("  " + v);
            ok &= v.holds();
        }
        o.println("conform: " + callable + " on " + replayCase + " (" + c.budget() + "): " + (ok ? "passed" : "FAILED"));
        return ok ? LookmCli.EXIT_OK : EXIT_VIOLATED;
    }

    private String pathOptions() {
        StringBuilder s = new StringBuilder();
        for (Path p : pythonPath) s.append(" --python-path ").append(p);
        return s.toString();
    }

    /** The case as NumPy files ({@link CaseFiles}) in a directory that did not exist. */
    private Path writeCounterexample(CacheCase c) {
        Path base = out != null ? out : Path.of("conform-counterexample-" + seed);
        Path dir = base;
        for (int n = 2; Files.exists(dir); n++) {
            if (out != null) throw new IllegalArgumentException("--out " + out + " already exists; not overwriting it");
            dir = Path.of(base + "-" + n);
        }
        return CaseFiles.write(dir, c.block(), c.observation().accumulatedAttention(), c.budget().resolve(c.tokens()));
    }
}
