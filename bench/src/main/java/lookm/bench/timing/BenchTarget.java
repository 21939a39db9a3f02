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
 * A backend to bench, opened lazily: the reference, OpenCL (JOCL) on one listed device, or the same OpenCL stages on
 * another host (TornadoVM) on that host's default device.
 *
 * @param label  short label for tables, e.g. "reference", "opencl:cpu 0:0", "opencl:gpu 1:0", "tornadovm"
 * @param device the OpenCL device under JOCL, or null
 * @param host   the other OpenCL host's name ("tornadovm"), or null
 */
public record BenchTarget(String label, DeviceInfo device, String host) {
    public BenchTarget(String label, DeviceInfo device) { this(label, device, null); }

    public Backend open() {
        if (host != null) return OpenClBackend.open(host, "");
        return device == null ? new ReferenceBackend() : OpenClBackend.open(device);
    }

    /** Whether this is the reference (which must run; the others are validated against it). */
    public boolean isReference() { return device == null && host == null; }

    /**
     * The reference, then every OpenCL CPU and GPU device, then TornadoVM when its module is on the class path;
     * {@code unavailable} receives why OpenCL is missing.
     */
    public static List<BenchTarget> all(List<String> unavailable) {
        List<BenchTarget> out = new ArrayList<>();
        out.add(new BenchTarget(ReferenceBackend.NAME, null));
        try {
            for (DeviceInfo d : Devices.list())
                out.add(new BenchTarget(OpenClBackend.NAME + ":" + d.type().toLowerCase(java.util.Locale.ROOT) + " " + d.selector(), d));
        } catch (OpenClUnavailableException e) {
            unavailable.add(e.getMessage());
        }
        if (lookm.bench.backend.Backends.tornadoVmPresent())
            out.add(new BenchTarget(lookm.bench.backend.Backends.TORNADOVM, null, lookm.bench.backend.Backends.TORNADOVM));
        return out;
    }
}
