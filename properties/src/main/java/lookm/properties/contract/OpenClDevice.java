package lookm.properties.contract;

import java.util.List;
import lookm.accelerated.OpenClBackend;
import lookm.accelerated.cl.DeviceInfo;
import lookm.accelerated.cl.DeviceSelector;
import lookm.accelerated.cl.Devices;
import lookm.accelerated.cl.OpenClUnavailableException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The OpenCL backend shared by the property JVM (kernels build once), or the reason there is none. Without a device
 * the OpenCL properties skip visibly; with {@code -D}{@value #REQUIRE}{@code =true} (CI) they fail instead.
 * {@code -D}{@value #DEVICE}{@code =gpu|cpu|platform:device} picks the device (default: the first listed);
 * {@code -D}{@value #HOST}{@code =tornadovm} runs the same stages on another host program (the optional
 * {@code tornadovm} module), default JOCL.
 */
public final class OpenClDevice {
    public static final String REQUIRE = "lookm.requireOpenCl";
    public static final String DEVICE = "lookm.openclDevice";
    public static final String HOST = "lookm.openclHost";

    private static OpenClBackend backend;
    private static String unavailable;

    private OpenClDevice() {}

    /** The shared backend; a skip (or, when required, a failure) naming why there is none. */
    public static synchronized OpenClBackend backendOrSkip() {
        if (backend == null && unavailable == null) {
            try {
                String choice = System.getProperty(DEVICE, "");
                String host = System.getProperty(HOST, "");
                if (!host.isBlank()) {
                    backend = OpenClBackend.open(host, choice);
                } else if (choice.isBlank()) {
                    List<DeviceInfo> devices = Devices.list();
                    if (devices.isEmpty()) throw new OpenClUnavailableException("the OpenCL runtime lists no device");
                    backend = OpenClBackend.open(devices.get(0));
                } else {
                    backend = OpenClBackend.open(DeviceSelector.of(choice));
                }
            } catch (OpenClUnavailableException | LinkageError e) {
                unavailable = e.toString();
            }
        }
        if (backend == null) {
            if (Boolean.getBoolean(REQUIRE)) Assertions.fail("OpenCL is required (-D" + REQUIRE + "=true) but no device was found: " + unavailable);
            Assumptions.abort("skipped, no OpenCL device (run with -D" + REQUIRE + "=true to make this a failure): " + unavailable);
        }
        return backend;
    }
}
