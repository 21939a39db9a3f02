package lookm.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import lookm.bench.replay.Replay;
import lookm.accelerated.cl.OpenClUnavailableException;
import lookm.bench.report.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code lookm} command: replay traces through policies, budget sweeps, GPU-vs-CPU benchmarks and trace tools.
 * One exit-code table for every command (bench/README.md): 0 success; 2 bad input or an environment the user can
 * fix (a wrong option, a malformed trace, a refused output, no OpenCL device, a full disk, a permission or read-only
 * error, not enough heap), one line naming what and where; 1 internal error, i.e. a bug ("internal error: …",
 * stack trace only with {@code --verbose}).
 */
@Command(name = "lookm", mixinStandardHelpOptions = true, versionProvider = LookmCli.VersionProvider.class,
        description = "LOOK-M testbed: replay KV-cache traces through compression policies and measure fidelity.",
        subcommands = {DemoCommand.class, ReplayCommand.class, ConformCommand.class, SweepCommand.class, BenchCommand.class, PoliciesCommand.class,
                DevicesCommand.class, TraceCommand.class, CompareCommand.class, JmhCommand.class, CommandLine.HelpCommand.class})
public final class LookmCli implements Runnable {
    /** Success. */
    public static final int EXIT_OK = 0;
    /** An internal error (a bug or an environment failure); the message starts with "internal error:". */
    public static final int EXIT_INTERNAL = 1;
    /**
     * Bad input or an environment the user can fix: a wrong option, a missing or malformed trace, a refused output
     * directory, no OpenCL, an I/O failure (disk full, permission denied, read-only file system), not enough heap.
     */
    public static final int EXIT_BAD_INPUT = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of internal errors.")
    boolean verbose;

    @Option(names = PluginJars.OPTION, scope = ScopeType.INHERIT, paramLabel = "JAR",
            description = "A plugin jar adding scorers, selectors, mergers and policies (repeatable; also " + PluginJars.ENV + ", a path list).")
    java.util.List<java.nio.file.Path> plugins;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'lookm demo' or 'lookm --help'");
    }

    /** Runs the app; the only place that calls System.exit. */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the app with the given streams and returns the exit code (tests call this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, System.getenv(PluginJars.ENV), out, err);
    }

    /** As {@link #run(String[], PrintWriter, PrintWriter)} with {@code pluginPaths} in place of the LOOKM_PLUGINS environment. */
    public static int run(String[] args, String pluginPaths, PrintWriter out, PrintWriter err) {
        System.setProperty("java.awt.headless", "true");
        try {
            PluginJars.install(PluginJars.paths(args, pluginPaths));
        } catch (IllegalArgumentException e) {
            err.println("lookm: " + e.getMessage());
            err.flush();
            return EXIT_BAD_INPUT;
        }
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        int code;
        try {
            code = cli.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("lookm: out of memory (max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB): the input needs more;"
                    + " raise the heap with JAVA_OPTS=-Xmx<size>, or use fewer --layers");
            code = EXIT_BAD_INPUT;
        }
        out.flush();
        err.flush();
        return code;
    }

    /** The configured picocli command line: exit codes and error handlers. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new LookmCli());
        cli.setExitCodeExceptionMapper(e -> isUserError(e) ? EXIT_BAD_INPUT : EXIT_INTERNAL);
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("lookm: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err))
                err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli;
    }

    /**
     * A user mistake or an unusable environment the user can fix: exit 2 with one line. A failed (policy, budget,
     * layer) cell is judged by its cause; any I/O failure (disk full, permissions, a vanished file) is the environment's.
     */
    public static boolean isUserError(Throwable e) {
        Throwable t = e instanceof Replay.CellFailure && e.getCause() != null ? e.getCause() : e;
        return t instanceof IllegalArgumentException || t instanceof OpenClUnavailableException
                || t instanceof CommandLine.ParameterException || t instanceof UncheckedIOException || t instanceof IOException;
    }

    /** The one-line message of an exception: its own, plus the I/O reason (e.g. "No space left on device") when there is one. */
    static String describe(Throwable e) {
        String message = String.valueOf(e.getMessage());
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause())
            if (t instanceof IOException io) {
                String reason = ioReason(io);
                return message.contains(reason) ? message : message + ": " + reason;
            }
        return e instanceof IOException io ? ioReason(io) : message;
    }

    private static String ioReason(IOException e) {
        if (e instanceof AccessDeniedException a) return "permission denied: " + a.getFile();
        if (e instanceof NoSuchFileException n) return "no such file or directory: " + n.getFile();
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason() + ": " + f.getFile();
        return String.valueOf(e.getMessage());
    }

    /** Maps exceptions from a command to exit codes and one-line messages. */
    static final class ErrorHandler implements IExecutionExceptionHandler {
        @Override public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
            PrintWriter err = cmd.getErr();
            if (isUserError(e)) {
                err.println("lookm " + cmd.getCommandName() + ": " + describe(e));
                return EXIT_BAD_INPUT;
            }
            err.println("lookm " + cmd.getCommandName() + ": internal error: " + e.getClass().getSimpleName() + ": " + describe(e));
            if (verbose(parsed)) err.print(stackTrace(e));
            else err.println("(run again with --verbose for the stack trace)");
            return EXIT_INTERNAL;
        }

        /** The throwable and its causes with their frames, as text (the JVM's format, without printStackTrace). */
        static String stackTrace(Throwable e) {
            StringBuilder s = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                s.append(t == e ? "" : "Caused by: ").append(t).append('\n');
                for (StackTraceElement frame : t.getStackTrace()) s.append("\tat ").append(frame).append('\n');
            }
            return s.toString();
        }

        private static boolean verbose(ParseResult parsed) {
            for (ParseResult p = parsed; p != null; p = p.subcommand())
                if (p.hasMatchedOption("--verbose")) return true;
            return false;
        }
    }

    /** The version from the build. */
    static final class VersionProvider implements IVersionProvider {
        @Override public String[] getVersion() {
            return new String[] {"lookm " + Version.get(), "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
