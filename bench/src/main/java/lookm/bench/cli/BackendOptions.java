package lookm.bench.cli;

import lookm.bench.backend.Backends;
import lookm.spec.policy.Backend;
import picocli.CommandLine.Option;

/** {@code --backend reference|opencl} and {@code --device gpu|cpu|P:D}: an explicit choice, never a silent fallback. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", description = "reference (default) or opencl.")
    String backend = Backends.REFERENCE;

    @Option(names = "--device", paramLabel = "DEV", description = "OpenCL device: gpu, cpu or platform:device as 'lookm devices' lists"
            + " (default gpu); only with --backend opencl.")
    String device;

    /** Opens the chosen backend. @throws IllegalArgumentException for an unknown name or a device without opencl */
    Backend open() {
        if (device != null && !Backends.OPENCL.equals(backend))
            throw new IllegalArgumentException("--device " + device + " needs --backend opencl (the reference runs on the JVM)");
        return Backends.open(backend, device);
    }
}
