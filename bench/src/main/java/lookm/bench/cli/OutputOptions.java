package lookm.bench.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import lookm.bench.report.OutputDirectory;
import picocli.CommandLine.Option;

/**
 * {@code --out DIR}, {@code --overwrite} and, for the resumable commands, {@code --resume}; the default is
 * {@code lookm-out/<command>}. The rules (bench/README.md, "Outputs") are {@link lookm.traces.write.OutputGuard}'s.
 */
final class OutputOptions {
    /** Parent of the default output directories. */
    static final String DEFAULT_ROOT = "lookm-out";

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: lookm-out/<command>). Refused if it is, holds"
            + " or lies inside an input, or exists and is not empty, unless --overwrite and lookm wrote it.")
    Path out;

    @Option(names = "--overwrite", description = "Replace an existing output directory that lookm wrote (only after the run succeeded).")
    boolean overwrite;

    /** The chosen directory for {@code command}. */
    Path directory(String command) { return out != null ? out : Paths.get(DEFAULT_ROOT, command); }

    /** Checks the target before any work, so a long run does not end in a refusal. */
    Path check(String command, List<Path> inputs) {
        Path dir = directory(command);
        OutputDirectory.requireWritable(dir, overwrite, inputs);
        return dir;
    }

    /** Creates the staging directory for {@code command}'s outputs. */
    OutputDirectory open(String command, List<Path> inputs) { return OutputDirectory.prepare(directory(command), overwrite, inputs); }

    /** Creates (or, with {@code resume}, reopens) the resumable staging directory {@code DIR.partial}. */
    OutputDirectory openResumable(String command, boolean resume, List<Path> inputs, java.io.PrintWriter err) {
        return OutputDirectory.resumable(directory(command), overwrite, resume, inputs, lookm.bench.replay.CellStore.DIRECTORY, kept -> {
            err.println("lookm " + command + ": stopped; the finished cells are kept in " + kept + "; continue with the same command and --resume");
            err.flush();
        });
    }

    /** {@code --resume}, for the commands that commit each finished cell (replay, sweep, demo). */
    static final class Resume {
        @Option(names = "--resume", description = "Continue an interrupted run from the finished cells kept in DIR.partial"
                + " (same trace, policies, budgets and options; the results equal an uninterrupted run's).")
        boolean resume;
    }
}
