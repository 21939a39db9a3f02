package lookm.bench.backend;

import java.util.List;
import lookm.accelerated.OpenClBackend;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;

/** Backends by name: an explicit choice; an unknown name or an unavailable device fails, listing what exists. */
public final class Backends {
    public static final String REFERENCE = ReferenceBackend.NAME;
    public static final String OPENCL = OpenClBackend.NAME;
    /** The optional TornadoVM backend: the OpenCL stages hosted by TornadoVM (module tornadovm, loaded only when asked). */
    public static final String TORNADOVM = "tornadovm";
    /** What to do when {@link #TORNADOVM} is asked for but its module is not on the class path: one line. */
    public static final String TORNADOVM_HINT = "backend 'tornadovm' needs the TornadoVM SDK and JDK 25: build TornadoVM as its documentation says "
            + "(https://tornadovm.readthedocs.io/en/latest/installation.html; tag v5.2.0-jdk25, OpenCL backend), export TORNADOVM_HOME=<the SDK> "
            + "and JAVA_HOME=<a JDK 25>, build the optional module (mvn -pl tornadovm -am package -DskipTests) and run bench/lookm again";
    /** The OpenCL device chosen when none is named. */
    public static final String DEFAULT_DEVICE = "gpu";

    private Backends() {}

    public static List<String> names() { return List.of(REFERENCE, OPENCL, TORNADOVM); }

    /** Whether the TornadoVM backend's module is on the class path (the launcher adds it when TORNADOVM_HOME is set). */
    public static boolean tornadoVmPresent() { return lookm.accelerated.cl.ClHostProvider.named(TORNADOVM).isPresent(); }

    /**
     * Opens a backend.
     *
     * @param name   "reference", "opencl" or "tornadovm"
     * @param device for opencl: "gpu", "cpu" or "platform:device"; null for the default; for tornadovm: TornadoVM's
     *               devices, null for TornadoVM's default device
     */
    public static Backend open(String name, String device) {
        if (REFERENCE.equals(name)) return new ReferenceBackend();
        if (OPENCL.equals(name)) return openCl(device == null ? DEFAULT_DEVICE : device);
        if (TORNADOVM.equals(name)) {
            if (!tornadoVmPresent()) throw new IllegalArgumentException(TORNADOVM_HINT);
            return OpenClBackend.open(TORNADOVM, device == null ? "" : device);
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: " + String.join(", ", names()));
    }

    /** @throws lookm.accelerated.cl.OpenClUnavailableException without a runtime or without the chosen device */
    private static Backend openCl(String device) { return OpenClBackend.open(device); }
}
