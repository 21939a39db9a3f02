package lookm.bench.timing;

import java.util.ArrayList;
import java.util.List;
import lookm.accelerated.OpenClBackend;
import lookm.accelerated.cl.DeviceInfo;
import lookm.accelerated.cl.Devices;
import lookm.accelerated.cl.OpenClUnavailableException;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;

/**
 * A backend to bench, opened lazily: the reference, or OpenCL on one listed device.
 *
 * @param label  short label for tables, e.g. "reference", "opencl:cpu 0:0", "opencl:gpu 1:0"
 * @param device the OpenCL device, or null for the reference
 */
public record BenchTarget(String label, DeviceInfo device) {
    public Backend open() { return device == null ? new ReferenceBackend() : OpenClBackend.open(device); }

    /** The reference, then every OpenCL CPU and GPU device; {@code unavailable} receives why OpenCL is missing. */
    public static List<BenchTarget> all(List<String> unavailable) {
        List<BenchTarget> out = new ArrayList<>();
        out.add(new BenchTarget(ReferenceBackend.NAME, null));
        try {
            for (DeviceInfo d : Devices.list())
                out.add(new BenchTarget(OpenClBackend.NAME + ":" + d.type().toLowerCase(java.util.Locale.ROOT) + " " + d.selector(), d));
        } catch (OpenClUnavailableException e) {
            unavailable.add(e.getMessage());
        }
        return out;
    }
}
