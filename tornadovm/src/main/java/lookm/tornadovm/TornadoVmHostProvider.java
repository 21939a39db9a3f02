package lookm.tornadovm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lookm.accelerated.cl.ClHost;
import lookm.accelerated.cl.ClHostProvider;
import lookm.accelerated.cl.DeviceInfo;
import lookm.accelerated.cl.OpenClUnavailableException;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * Serves the "tornadovm" host ({@link java.util.ServiceLoader}): the OpenCL pipeline's kernels as TornadoVM prebuilt
 * tasks. Devices are TornadoVM's, {@code backend:device} as {@code tornado --devices} numbers them; "cpu" and "gpu"
 * pick the first of that kind; blank picks TornadoVM's default device.
 */
public final class TornadoVmHostProvider implements ClHostProvider {
    private static final Pattern INDICES = Pattern.compile("(\\d+):(\\d+)");

    @Override public String name() { return TornadoVmHost.NAME; }

    @Override public ClHost open(String device) {
        String choice = device == null ? "" : device.trim().toLowerCase(Locale.ROOT);
        List<DeviceInfo> found = new ArrayList<>();
        List<TornadoDevice> devices = new ArrayList<>();
        TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
        for (int b = 0; b < runtime.getNumBackends(); b++) {
            TornadoBackend backend = runtime.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                devices.add(backend.getDevice(d));
                found.add(describe(b, d, backend.getDevice(d)));
            }
        }
        Matcher m = INDICES.matcher(choice);
        for (int i = 0; i < found.size(); i++) {
            DeviceInfo info = found.get(i);
            boolean hit = switch (choice) {
                case "" -> true;
                case "cpu" -> info.isCpu();
                case "gpu" -> info.isGpu();
                default -> m.matches() && info.platformIndex() == Integer.parseInt(m.group(1)) && info.deviceIndex() == Integer.parseInt(m.group(2));
            };
            if (hit) return new TornadoVmHost(devices.get(i), info);
        }
        StringBuilder listed = new StringBuilder();
        for (DeviceInfo d : found) listed.append("\n  ").append(d.describe());
        throw new OpenClUnavailableException("no TornadoVM device matches '" + choice + "'; TornadoVM devices:" + (found.isEmpty() ? " none" : listed));
    }

    private static DeviceInfo describe(int backend, int index, TornadoDevice d) {
        String type = switch (d.getDeviceType()) {
            case CPU -> "CPU";
            case GPU -> "GPU";
            case ACCELERATOR, FPGA -> "ACCELERATOR";
            default -> "OTHER";
        };
        long[] groups = d.getPhysicalDevice().getDeviceMaxWorkGroupSize();
        return new DeviceInfo(backend, index, d.getPlatformName(), d.getPhysicalDevice().getDeviceName(), type, d.getPhysicalDevice().getDeviceMaxComputeUnits(),
                d.getMaxGlobalMemory(), d.getDeviceLocalMemorySize(), groups.length > 0 ? groups[0] : 1, "TornadoVM " + d.getTornadoVMBackend(),
                null, null);
    }
}
