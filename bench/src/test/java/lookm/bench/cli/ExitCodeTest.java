package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One exit-code table for every command (issue 10, item 7): a full disk, a read-only or forbidden directory are the
 * environment's (exit 2, one line naming the file and the reason, no stack trace); options without effect are warned
 * about; a budget that keeps no token is refused.
 */
class ExitCodeTest {
    @TempDir static Path shared;
    static Path sample;
    @TempDir Path tmp;
    /** Small enough that the first report file does not fit; tmpfs allocates whole pages. */
    static final String FULL_DISK_SIZE = "size=12k";
    static final long MOUNT_TIMEOUT_SECONDS = 10;
    /** The NumPy fixture of the traces module, an input for trace import. */
    static final Path TINY_NPZ = Path.of("..", "traces", "src", "test", "resources", "lookm", "traces", "npy", "tiny.npz");

    @BeforeAll
    static void extractSample() { sample = SampleTrace.extractTo(shared.resolve("sample")); }

    @Test
    void aFullDiskIsExitTwoNamingTheFileOnEveryWritingCommand() throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        mountTmpfs(disk, FULL_DISK_SIZE);
        try {
            List<String[]> commands = List.of(
                    new String[] {"replay", "--trace", sample.toString(), "--policy", "h2o", "--out", disk.resolve("r").toString(), "--quiet"},
                    new String[] {"sweep", "--trace", sample.toString(), "--policies", "h2o", "--budgets", "0.2", "--out", disk.resolve("s").toString(), "--quiet"},
                    new String[] {"bench", "--shape", "2,128,32", "--reference-only", "--warmup", "0", "--repetitions", "1", "--out", disk.resolve("b").toString()},
                    new String[] {"trace", "synth", "--out", disk.resolve("t").toString(), "--quiet"},
                    new String[] {"trace", "export", "--trace", sample.toString(), "--policy", "h2o", "--out", disk.resolve("x.npz").toString()},
                    new String[] {"trace", "import", "--from", TINY_NPZ.toString(), "--model", "m", "--out", disk.resolve("i").toString()},
                    new String[] {"demo", "--policies", "h2o", "--budgets", "0.2", "--out", disk.resolve("d").toString(), "--quiet"});
            for (String[] args : commands) {
                LookmCliTest.Run r = LookmCliTest.lookm(args);
                assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
                assertTrue(r.err().contains("No space left on device"), String.join(" ", args) + ": " + r.err());
                assertFalse(r.err().contains("\tat ") || r.err().contains("internal error"), r.err());
                assertEquals(List.of(), openFilesUnder(disk), String.join(" ", args) + " closes every file it opened");
                try (Stream<Path> s = Files.list(disk)) {
                    for (Path left : s.toList()) {
                        // a replay or sweep keeps the cells that finished before the disk filled up, in its marked partial output
                        assertTrue(left.getFileName().toString().endsWith(".partial"), String.join(" ", args) + " left " + left);
                        assertEquals("partial", lookm.traces.write.OutputGuard.markerState(left));
                        assertTrue(r.err().contains("--resume"), r.err());
                        lookm.traces.write.AtomicDirectory.deleteRecursively(left);
                    }
                }
            }
        } finally {
            run("umount", "-l", disk.toString());     // lazy: detached even if a failed run left a file open
        }
    }

    @Test
    void aReadOnlyOutputDirectoryIsExitTwo() throws Exception {
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        if (isRoot()) mountTmpfs(ro, "ro,size=64k");     // root ignores permission bits; a read-only mount stops it too
        else assertTrue(ro.toFile().setWritable(false, false));
        try {
            for (String[] args : List.of(new String[] {"replay", "--trace", sample.toString(), "--policy", "h2o", "--out", ro.resolve("o").toString(), "--quiet"},
                    new String[] {"trace", "synth", "--out", ro.resolve("t").toString(), "--quiet"})) {
                LookmCliTest.Run r = LookmCliTest.lookm(args);
                assertEquals(2, r.code(), r.err());
                assertTrue(r.err().matches("(?s).*(Read-only file system|permission denied|Permission denied).*"), r.err());
                assertTrue(r.err().contains(ro.toString()), "names where: " + r.err());
                assertFalse(r.err().contains("\tat "), r.err());
            }
        } finally {
            if (isRoot()) run("umount", "-l", ro.toString());
            else ro.toFile().setWritable(true, false);
        }
    }

    @Test
    void anIoFailureAtTheSeamIsTheEnvironmentsNotABug() {
        StringWriter err = new StringWriter();
        CommandLine cli = LookmCli.commandLine().addSubcommand("full", new DiskFull());
        cli.setErr(new PrintWriter(err));
        assertEquals(LookmCli.EXIT_BAD_INPUT, cli.execute("full"));
        assertTrue(err.toString().contains("cannot write sweep.json into /out: No space left on device: /out/sweep.json"), err.toString());
        assertFalse(err.toString().contains("internal error"), err.toString());
    }

    @CommandLine.Command(name = "full")
    static final class DiskFull implements Runnable {
        @Override public void run() {
            throw new UncheckedIOException("cannot write sweep.json into /out",
                    new FileSystemException("/out/sweep.json", null, "No space left on device"));
        }
    }

    @Test
    void jmhNeverOverwritesAFileSilently() throws IOException {
        Path result = Files.writeString(tmp.resolve("jmh.json"), "earlier results");
        LookmCliTest.Run r = LookmCliTest.lookm("jmh", "CompressionBench", "-rf", "json", "-rff", result.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("-rff " + result + " already exists"), r.err());
        LookmCliTest.Run dir = LookmCliTest.lookm("jmh", "CompressionBench", "-o", tmp.toString());
        assertEquals(2, dir.code(), dir.err());
        assertTrue(dir.err().contains("is a directory"), dir.err());
        assertEquals("earlier results", Files.readString(result));
    }

    @Test
    void optionsWithoutEffectAreWarnedAbout() {
        LookmCliTest.Run share = LookmCliTest.lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--hh-ratio", "0.1",
                "--recent-share", "0.3", "--layers", "1", "--out", tmp.resolve("a").toString(), "--quiet");
        assertEquals(0, share.code(), share.err());
        assertTrue(share.err().contains("warning: --recent-share has no effect without --budget"), share.err());
        LookmCliTest.Run seed = LookmCliTest.lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--seed", "3", "--layers", "1",
                "--out", tmp.resolve("b").toString(), "--quiet");
        assertTrue(seed.err().contains("warning: --seed has no effect"), seed.err());
        LookmCliTest.Run layer = LookmCliTest.lookm("bench", "--shape", "2,128,32", "--layer", "3", "--reference-only", "--warmup", "0",
                "--repetitions", "1", "--out", tmp.resolve("c").toString());
        assertEquals(0, layer.code(), layer.err());
        assertTrue(layer.err().contains("warning: --layer has no effect without --trace"), layer.err());
        LookmCliTest.Run quiet = LookmCliTest.lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--budget", "0.2",
                "--recent-share", "0.3", "--layers", "1", "--out", tmp.resolve("d").toString(), "--quiet");
        assertFalse(quiet.err().contains("warning"), "no warning when every option counts: " + quiet.err());
    }

    @Test
    void aBudgetThatKeepsNoTokenIsRefused() {
        LookmCliTest.Run r = LookmCliTest.lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--budget", "0.001",
                "--out", tmp.resolve("z").toString(), "--quiet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--budget 0.001 keeps 0 of the 864 tokens"), r.err());
        LookmCliTest.Run sweep = LookmCliTest.lookm("sweep", "--trace", sample.toString(), "--policies", "h2o", "--budgets", "0.2,0.0005",
                "--out", tmp.resolve("y").toString(), "--quiet");
        assertEquals(2, sweep.code(), sweep.err());
        assertTrue(sweep.err().contains("--budgets value 5.0E-4 keeps 0"), sweep.err());
        LookmCliTest.Run bench = LookmCliTest.lookm("bench", "--shape", "2,128,32", "--budget", "0.001", "--reference-only",
                "--out", tmp.resolve("x").toString());
        assertEquals(2, bench.code(), bench.err());
        assertTrue(bench.err().contains("--budget 0.001 keeps 0 of the 128 tokens"), bench.err());
        assertFalse(bench.out().contains("median"), "refused before anything is timed: " + bench.out());
        assertFalse(Files.exists(tmp.resolve("z")) || Files.exists(tmp.resolve("y")) || Files.exists(tmp.resolve("y.partial"))
                || Files.exists(tmp.resolve("x")));
    }

    /** This JVM's open file descriptors that point under {@code dir} (Linux /proc); empty where /proc is missing. */
    static List<String> openFilesUnder(Path dir) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) return List.of();
        List<String> out = new java.util.ArrayList<>();
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : s.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(dir)) out.add(target.toString());
                } catch (IOException e) {
                    // the descriptor closed while we listed
                }
            }
        }
        return out;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Mounts a tmpfs at {@code dir}, or skips the test (visibly) where this machine does not allow it. */
    private static void mountTmpfs(Path dir, String options) throws Exception {
        Assumptions.assumeTrue(isRoot(), "mounting a size-limited tmpfs needs root");
        int code = run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
        Assumptions.assumeTrue(code == 0, "cannot mount a tmpfs here (exit " + code + ")");
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(MOUNT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
