package lookm.accelerated.cl;

/** No usable OpenCL runtime or device. The message says what to install. */
public final class OpenClUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What to install, appended to every message. */
    public static final String INSTALL_HINT = "install an OpenCL ICD loader and a driver: on Debian/Ubuntu "
            + "`apt-get install ocl-icd-libopencl1 pocl-opencl-icd clinfo` (CPU device through PoCL), or your GPU vendor's "
            + "OpenCL driver; `clinfo -l` must then list at least one device";

    public OpenClUnavailableException(String message) {
        super(message + "; " + INSTALL_HINT);
    }

    public OpenClUnavailableException(String message, Throwable cause) {
        super(message + "; " + INSTALL_HINT, cause);
    }
}
