package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import lookm.bench.backend.Backends;
import lookm.traces.synth.SampleTrace;
import lookm.spec.policy.Backend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --backend tornadovm} (issue 17). The TornadoVM backend is an optional module (Maven profile tornadovm: needs
 * TORNADOVM_HOME naming a TornadoVM SDK and JDK 25); this always-built module sees it only through the ServiceLoader,
 * so without it these tests say why they skip, and the refusal the user gets is checked.
 */
class TornadoVmBackendCliTest {
    private static final String ABSENT = "skipped: the TornadoVM backend is not on this class path (it is built by the tornadovm profile only when "
            + "TORNADOVM_HOME names a TornadoVM SDK and Maven runs on JDK 25; TORNADOVM_HOME="
            + System.getenv().getOrDefault("TORNADOVM_HOME", "unset") + ", java " + Runtime.version().feature()
            + "; its own suites run in module tornadovm)";

    @TempDir Path tmp;

    @Test
    void withoutTheSdkTheBackendIsExitTwoWithOneLineSayingWhatToInstallAndSet() {
        Assumptions.assumeFalse(Backends.tornadoVmPresent(), "the TornadoVM backend is present: this checks its absence");
        Path sample = SampleTrace.extractTo(tmp.resolve("sample"));
        for (String command : new String[] {"replay", "sweep"}) {
            LookmCliTest.Run run = command.equals("replay")
                    ? LookmCliTest.lookm("replay", "--trace", sample.toString(), "--policy", "h2o", "--backend", "tornadovm", "--out", tmp.resolve("r").toString(), "--quiet")
                    : LookmCliTest.lookm("sweep", "--trace", sample.toString(), "--policies", "h2o", "--budgets", "0.2", "--backend", "tornadovm",
                            "--out", tmp.resolve("s").toString(), "--quiet");
            assertEquals(2, run.code(), command + ": " + run.err());
            assertTrue(run.err().contains("TORNADOVM_HOME") && run.err().contains("JDK 25"), command + ": " + run.err());
            assertEquals(1, run.err().strip().lines().count(), command + ": one line: " + run.err());
            assertFalse(run.err().contains("\tat "), run.err());
        }
    }

    @Test
    void theBackendRunsWhenPresent() {
        Assumptions.assumeTrue(Backends.tornadoVmPresent(), ABSENT);
        try (Backend b = Backends.open(Backends.TORNADOVM, null)) {
            assertEquals(Backends.TORNADOVM, b.name());
        }
    }
}
