package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import lookm.traces.synth.SampleTrace;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's plugin (properties/src/test/java/lookm/properties/example/plugin) built into a jar here, from its
 * sources, and run through replay, sweep and bench from the command line exactly like a built-in; on OpenCL it is
 * skipped visibly. Nothing of it is on this module's class path, so only {@code --plugin} / LOOKM_PLUGINS can bring it.
 */
class PluginCliTest {
    static final Path EXAMPLE = Path.of("../properties/src/test/java/lookm/properties/example");
    static final Path SERVICES = Path.of("../properties/src/test/resources/META-INF/services/lookm.spec.plugin.LookmPlugin");
    /** The command lines the README shows; the tests below run them (with paths and output directories of their own). */
    static final List<String> README_COMMANDS = List.of(
            "bench/lookm --plugin example-knorm.jar replay --trace sample --policy example-knorm --budget 0.2",
            "bench/lookm --plugin example-knorm.jar sweep --trace sample --policies example-knorm,h2o,snapkv-32 --budgets 0.1,0.2",
            "bench/lookm --plugin example-knorm.jar bench --policy example-knorm --shape 4,512,64");

    @TempDir static Path shared;
    static Path jar, sample;
    @TempDir Path tmp;

    record Run(int code, String out, String err) {}

    static Run lookm(String env, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LookmCli.run(args, env, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void buildThePluginJar() throws IOException {
        Path classes = Files.createDirectories(shared.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")));
        args.add(EXAMPLE.resolve("KeyNormImageScore.java").toString());
        try (Stream<Path> sources = Files.list(EXAMPLE.resolve("plugin"))) {
            sources.filter(p -> p.toString().endsWith(".java") && !p.getFileName().toString().endsWith("Test.java")).forEach(p -> args.add(p.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "the plugin compiles against spec alone");
        jar = shared.resolve("example-knorm.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> all = Files.walk(classes)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(p));
            }
            out.putNextEntry(new JarEntry("META-INF/services/lookm.spec.plugin.LookmPlugin"));
            out.write(Files.readAllBytes(SERVICES));
        }
        sample = SampleTrace.extractTo(shared.resolve("sample"));
    }

    @Test
    void theReadmeShowsThePluginCommandsThatRunHere() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        for (String command : README_COMMANDS) assertTrue(readme.contains(command), "README.md must show: " + command);
    }

    @Test
    void aPluginPolicyReplaysAndTheReportRecordsItsExpression() throws IOException {
        Run r = lookm(null, "--plugin", jar.toString(), "replay", "--trace", sample.toString(), "--policy", "example-knorm", "--budget", "0.2",
                "--out", tmp.resolve("r").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        String report = Files.readString(tmp.resolve("r/replay.json"));
        assertTrue(report.contains("score=smallest-key-norm select=topk(sinks=0,window=R,ties=position) merge=drop"), report);
    }

    @Test
    void pluginStagesComposeWithBuiltInsInExpressionsAndSweeps() {
        Run r = lookm(jar.toString(), "sweep", "--trace", sample.toString(), "--policies", "example-knorm,h2o + image-key-norm,snapkv-32",
                "--budgets", "0.1,0.2", "--out", tmp.resolve("s").toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("example-knorm") && r.out().contains("h2o + image-key-norm"), r.out());
    }

    @Test
    void benchTimesThePluginOnTheReferenceAndSkipsOpenClVisibly() {
        Run r = lookm(null, "--plugin", jar.toString(), "bench", "--policy", "example-knorm", "--shape", "2,256,32", "--warmup", "0",
                "--repetitions", "1", "--out", tmp.resolve("b").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("reference") && r.out().contains("valid"), r.out());
        assertTrue(r.out().contains("SKIPPED: backend 'opencl' lacks the score stage of example-knorm") || r.err().contains("OpenCL unavailable"),
                r.out() + r.err());
    }

    @Test
    void aSweepOnOpenClSkipsThePluginPolicyVisiblyAndRunsTheRest() {
        Run r = lookm(null, "--plugin", jar.toString(), "sweep", "--trace", sample.toString(), "--policies", "example-knorm,h2o", "--budgets", "0.2",
                "--backend", "opencl", "--device", "cpu", "--out", tmp.resolve("s").toString(), "--quiet");
        Assumptions.assumeFalse(r.code() == 2 && !r.err().contains("SKIPPED"), () -> "no OpenCL device here: " + r.err());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("SKIPPED policy example-knorm: backend 'opencl' lacks the score stage"), r.err());
        assertTrue(r.out().contains("h2o") && !r.out().contains("example-knorm "), r.out());
    }

    @Test
    void replayOnOpenClRefusesThePluginWithTheReason() {
        Run r = lookm(null, "--plugin", jar.toString(), "replay", "--trace", sample.toString(), "--policy", "example-knorm", "--budget", "0.2",
                "--backend", "opencl", "--device", "cpu", "--out", tmp.resolve("o").toString(), "--quiet");
        Assumptions.assumeFalse(r.err().contains("no OpenCL device"), () -> "no OpenCL device here: " + r.err());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("has no opencl implementation (it runs on: reference)"), r.err());
        assertTrue(Files.notExists(tmp.resolve("o")), "nothing written");
    }

    @Test
    void policiesListsThePluginsPoliciesAndStages() {
        Run r = lookm(null, "--plugin", jar.toString(), "policies");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("= score=smallest-key-norm select=topk(sinks=0,window=R,ties=position) merge=drop"), r.out());
        assertTrue(r.out().contains("smallest-key-norm keys of smallest L2 norm first (kvpress Knorm) (plugin example-knorm)"), r.out());
        assertTrue(r.out().contains("plugins: example-knorm"), r.out());
    }

    @Test
    void aMissingPluginJarExitsTwoNamingIt() {
        Run r = lookm(null, "--plugin", tmp.resolve("nope.jar").toString(), "policies");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nope.jar") && r.err().contains("no such readable file"), r.err());
    }
}
