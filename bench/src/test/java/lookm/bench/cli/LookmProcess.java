package lookm.bench.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A lookm JVM on the test classpath, started as bench/lookm starts it, for tests that kill or interrupt a real run. */
final class LookmProcess {
    private LookmProcess() {}

    /** Starts {@code lookm args} with extra JVM flags (e.g. {@code -Djava.io.tmpdir=…}); output is discarded. */
    static Process start(List<String> jvmFlags, String... args) throws IOException { return start(jvmFlags, null, args); }

    /** As {@link #start(List, String...)}, stdout and stderr going to {@code log} (null: discarded). */
    static Process start(List<String> jvmFlags, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path")));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-opens") || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc")) command.add(a);
        command.addAll(jvmFlags);
        command.add(LookmCli.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(log.toFile())).start();
    }
}
