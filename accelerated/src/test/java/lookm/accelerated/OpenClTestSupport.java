package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.fail;

import lookm.accelerated.cl.DeviceSelector;
import lookm.accelerated.cl.Devices;
import lookm.accelerated.cl.OpenClUnavailableException;
import org.junit.jupiter.api.Assumptions;

/**
 * One OpenCL backend shared by the test JVM (kernels are built once). A missing runtime or device is a visible
 * skip, or a failure when {@code -Dlookm.requireOpenCl=true} (CI). {@code -Dlookm.openclDevice=gpu|cpu|p:d}
 * picks the device; by default the first one listed. {@code -Dlookm.openclHost=tornadovm} runs the same suites on
 * another host program (the optional {@code tornadovm} module's TornadoVM prebuilt tasks); default JOCL.
 */
final class OpenClTestSupport {
    static final String REQUIRE = "lookm.requireOpenCl";
    static final String DEVICE = "lookm.openclDevice";
    static final String HOST = "lookm.openclHost";

    private static OpenClBackend backend;
    private static String unavailable;

    private OpenClTestSupport() {}

    /** The shared backend, or a skip (failure under -Dlookm.requireOpenCl=true) with the reason. */
    static synchronized OpenClBackend backend() {
        if (backend == null && unavailable == null) {
            try {
                String choice = System.getProperty(DEVICE, "");
                String host = System.getProperty(HOST, "");
                backend = !host.isBlank() ? OpenClBackend.open(host, choice) : choice.isBlank() ? OpenClBackend.open(Devices.list().stream().findFirst()
                        .orElseThrow(() -> new OpenClUnavailableException("the OpenCL runtime lists no device")))
                        : OpenClBackend.open(DeviceSelector.of(choice));
            } catch (OpenClUnavailableException e) {
                unavailable = e.getMessage();
            }
        }
        if (backend == null) {
            if (Boolean.getBoolean(REQUIRE)) fail("OpenCL is required (-D" + REQUIRE + "=true) but unavailable: " + unavailable);
            Assumptions.abort("skipped: no OpenCL device: " + unavailable);
        }
        return backend;
    }

    /**
     * The policy's stages on the device, or a visible skip naming the variant the backend refuses (the kvpress-parity
     * variants not ported yet; {@code ScoreEquivalenceTest} and {@code MergeEquivalenceTest} pin which ones).
     */
    static lookm.spec.policy.Compressor compressorOrSkip(OpenClBackend backend, lookm.spec.policy.PolicySpec policy) {
        try {
            return backend.compressor(policy);
        } catch (lookm.spec.policy.UnsupportedVariantException e) {
            Assumptions.abort("skipped: " + policy.name() + ": " + e.getMessage());
            throw e;
        }
    }
}
