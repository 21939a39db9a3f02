package lookm.accelerated.cl;

/**
 * A {@link ClHost} other than JOCL, found through {@link java.util.ServiceLoader} (file
 * {@code META-INF/services/lookm.accelerated.cl.ClHostProvider}), so modules that run the OpenCL pipeline on another
 * host (the optional {@code tornadovm} module) plug in without this module depending on them.
 */
public interface ClHostProvider {
    /** The host's name, e.g. "tornadovm": the backend name it serves. */
    String name();

    /**
     * A host on the chosen device.
     *
     * @param device "gpu", "cpu" or "platform:device" as the host lists its devices; blank: its default device
     * @throws OpenClUnavailableException if the host has no such device, saying what to install or set
     */
    ClHost open(String device);

    /** The provider named {@code name} on the class path, if any. */
    static java.util.Optional<ClHostProvider> named(String name) {
        for (ClHostProvider p : java.util.ServiceLoader.load(ClHostProvider.class))
            if (p.name().equals(name)) return java.util.Optional.of(p);
        return java.util.Optional.empty();
    }
}
