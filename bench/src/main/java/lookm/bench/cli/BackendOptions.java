package lookm.bench.cli;

import lookm.bench.backend.Backends;
import lookm.spec.policy.Backend;
import picocli.CommandLine.Option;

/** {@code --backend reference|opencl|tornadovm} and {@code --device gpu|cpu|P:D}: an explicit choice, never a silent fallback. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", description = "reference (default), opencl, or tornadovm (the OpenCL stages hosted by TornadoVM; needs TORNADOVM_HOME and JDK 25).")
    String backend = Backends.REFERENCE;

    @Option(names = "--device", paramLabel = "DEV", description = "OpenCL device: gpu, cpu or platform:device as 'lookm devices' lists"
            + " (default gpu); with --backend tornadovm, TornadoVM's devices (cpu, gpu or backend:device; default TornadoVM's default device).")
    String device;

    /** Opens the chosen backend. @throws IllegalArgumentException for an unknown name or a device without opencl */
    Backend open() {
        if (device != null && !Backends.OPENCL.equals(backend) && !Backends.TORNADOVM.equals(backend))
            throw new IllegalArgumentException("--device " + device + " needs --backend opencl or tornadovm (the reference runs on the JVM)");
        return Backends.open(backend, device);
    }
}
