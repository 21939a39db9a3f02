package lookm.tornadovm;

import lookm.accelerated.OpenClBackend;

/**
 * The TornadoVM backend: the accelerated module's stages ({@code lookm.accelerated.score}, {@code select},
 * {@code merge}, the same numbered steps) and its {@code .cl} kernels, hosted by TornadoVM instead of JOCL. One kernel
 * source serves both hosts; results are bit-identical to the JOCL backend on the same device.
 *
 * <pre>{@code
 * try (Backend tornado = TornadoVmBackend.open("cpu")) {   // TornadoVM device: "cpu", "gpu", "backend:device" or ""
 *     CompressedLayer out = tornado.compressor(Policies.named("lookm")).compress(block, observation, budget);
 * }
 * }</pre>
 */
public final class TornadoVmBackend {
    public static final String NAME = TornadoVmHost.NAME;

    private TornadoVmBackend() {}

    /** The backend on the chosen TornadoVM device. @throws lookm.accelerated.cl.OpenClUnavailableException if there is none */
    public static OpenClBackend open(String device) { return OpenClBackend.on(new TornadoVmHostProvider().open(device), NAME); }
}
