package lookm.accelerated.cl;

/** A kernel file did not compile for the device; the message carries the build log. */
public final class KernelBuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KernelBuildException(String file, String options, String device, String log, Throwable cause) {
        super("OpenCL build of " + file + ".cl failed on " + device + " (options '" + options + "'):\n" + log, cause);
    }
}
