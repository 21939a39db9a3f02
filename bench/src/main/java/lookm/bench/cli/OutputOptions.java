package lookm.bench.cli;

import java.nio.file.Path;
import java.nio.file.Paths;
import lookm.bench.report.OutputDirectory;
import picocli.CommandLine.Option;

/** {@code --out DIR} and {@code --overwrite}; the default is {@code lookm-out/<command>}. */
final class OutputOptions {
    /** Parent of the default output directories. */
    static final String DEFAULT_ROOT = "lookm-out";

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: lookm-out/<command>). Refused if it exists"
            + " and is not empty, unless --overwrite.")
    Path out;

    @Option(names = "--overwrite", description = "Replace an existing output directory (only after the run succeeded).")
    boolean overwrite;

    /** The chosen directory for {@code command}. */
    Path directory(String command) { return out != null ? out : Paths.get(DEFAULT_ROOT, command); }

    /** Checks the target before any work, so a long run does not end in a refusal. */
    Path check(String command) {
        Path dir = directory(command);
        OutputDirectory.requireWritable(dir.toAbsolutePath().normalize(), overwrite);
        return dir;
    }

    /** Creates the staging directory for {@code command}'s outputs. */
    OutputDirectory open(String command) { return OutputDirectory.prepare(directory(command), overwrite); }
}
