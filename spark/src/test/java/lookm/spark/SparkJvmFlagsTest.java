package lookm.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launcher's Spark flags (spark/jvm-flags.txt, read by bench/lookm) are the ones this module's tests run with (pom.xml). */
class SparkJvmFlagsTest {
    @Test void launcherFlagsAreTheTestFlags() throws IOException {
        List<String> flags = Files.readAllLines(Path.of("jvm-flags.txt")).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
        List<String> running = ManagementFactory.getRuntimeMXBean().getInputArguments();
        assertTrue(flags.size() > 1);
        for (String f : flags) assertTrue(running.contains(f), f + " is in jvm-flags.txt but not in the pom's lookm.spark.jvm.flags");
    }
}
