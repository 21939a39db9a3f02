package lookm.bench.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
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
 * Exit codes: 0 success, 2 bad input (one line naming what and where), 1 internal error ("internal error: …",
 * stack trace only with {@code --verbose}).
 */
@Command(name = "lookm", mixinStandardHelpOptions = true, versionProvider = LookmCli.VersionProvider.class,
        description = "LOOK-M testbed: replay KV-cache traces through compression policies and measure fidelity.",
        subcommands = {DemoCommand.class, ReplayCommand.class, SweepCommand.class, BenchCommand.class, PoliciesCommand.class,
                DevicesCommand.class, TraceCommand.class, JmhCommand.class, CommandLine.HelpCommand.class})
public final class LookmCli implements Runnable {
    /** Success. */
    public static final int EXIT_OK = 0;
    /** An internal error (a bug or an environment failure); the message starts with "internal error:". */
    public static final int EXIT_INTERNAL = 1;
    /** Bad input: a wrong option, a missing or malformed trace, an existing output directory, no OpenCL. */
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
        int code = cli.execute(args);
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

    /** A user mistake or an unusable environment the user can fix: exit 2 with one line. */
    static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof OpenClUnavailableException
                || e instanceof CommandLine.ParameterException;
    }

    /** Maps exceptions from a command to exit codes and one-line messages. */
    static final class ErrorHandler implements IExecutionExceptionHandler {
        @Override public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
            PrintWriter err = cmd.getErr();
            if (isUserError(e)) {
                err.println("lookm " + cmd.getCommandName() + ": " + e.getMessage());
                return EXIT_BAD_INPUT;
            }
            String what = e instanceof UncheckedIOException u && u.getCause() != null
                    ? e.getMessage() + ": " + u.getCause().getMessage() : String.valueOf(e.getMessage());
            err.println("lookm " + cmd.getCommandName() + ": internal error: " + e.getClass().getSimpleName() + ": " + what);
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
