package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With no OpenCL platform (the ICD loader pointed at an empty vendor directory, in a child JVM), listing devices
 * fails with a message that says what to install, not with a raw CLException.
 */
class NoOpenClTest {
    private static final long TIMEOUT_SECONDS = 60;

    @Test
    void withoutAPlatformTheMessageSaysWhatToInstall(@TempDir Path emptyVendors) throws Exception {
        OpenClTestSupport.backend();                         // only meaningful where an ICD loader is installed
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "lookm.accelerated.tools.ListDevices")
                .redirectErrorStream(true);
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "child JVM finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains("OpenCL unavailable") && out.contains("CL_PLATFORM_NOT_FOUND_KHR"), out);
        assertTrue(out.contains("ocl-icd-libopencl1") && out.contains("pocl-opencl-icd"), out);
        assertTrue(Files.isDirectory(emptyVendors));
    }
}
