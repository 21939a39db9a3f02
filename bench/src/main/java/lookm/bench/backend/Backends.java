package lookm.bench.backend;

import java.util.List;
import lookm.accelerated.OpenClBackend;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;

/** Backends by name: an explicit choice; an unknown name or an unavailable device fails, listing what exists. */
public final class Backends {
    public static final String REFERENCE = ReferenceBackend.NAME;
    public static final String OPENCL = OpenClBackend.NAME;
    /** The OpenCL device chosen when none is named. */
    public static final String DEFAULT_DEVICE = "gpu";

    private Backends() {}

    public static List<String> names() { return List.of(REFERENCE, OPENCL); }

    /**
     * Opens a backend.
     *
     * @param name   "reference" or "opencl"
     * @param device for opencl: "gpu", "cpu" or "platform:device"; null for the default
     */
    public static Backend open(String name, String device) {
        if (REFERENCE.equals(name)) return new ReferenceBackend();
        if (OPENCL.equals(name)) return openCl(device == null ? DEFAULT_DEVICE : device);
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: " + String.join(", ", names()));
    }

    /** @throws lookm.accelerated.cl.OpenClUnavailableException without a runtime or without the chosen device */
    private static Backend openCl(String device) { return OpenClBackend.open(device); }
}
