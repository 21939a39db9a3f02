package lookm.accelerated.cl;

import java.util.ArrayList;
import java.util.List;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_platform_id;

/**
 * The one place that touches the OpenCL runtime first. It enables JOCL exceptions once and probes once: a missing
 * {@code libOpenCL} (first touch of {@code org.jocl.CL} throws {@link UnsatisfiedLinkError}, later touches
 * {@link NoClassDefFoundError}) or no platform ({@code CL_PLATFORM_NOT_FOUND_KHR}) becomes an
 * {@link OpenClUnavailableException} that says what to install.
 */
public final class OpenCl {
    private static final Object LOCK = new Object();
    private static List<cl_platform_id> platforms;
    private static RuntimeException failure;

    private OpenCl() {}

    /** True if an OpenCL runtime with at least one platform is present. Never throws. */
    public static boolean available() {
        try {
            platforms();
            return true;
        } catch (OpenClUnavailableException e) {
            return false;
        }
    }

    /** The platforms, probed once. @throws OpenClUnavailableException if there is no runtime or no platform */
    public static List<cl_platform_id> platforms() {
        synchronized (LOCK) {
            if (platforms == null && failure == null) probe();
            if (failure != null) throw new OpenClUnavailableException(failure.getMessage(), failure);
            return platforms;
        }
    }

    private static void probe() {
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            CL.clGetPlatformIDs(0, null, count);
            if (count[0] == 0) {
                failure = new IllegalStateException("OpenCL runtime found, but it reports no platform");
                return;
            }
            cl_platform_id[] ids = new cl_platform_id[count[0]];
            CL.clGetPlatformIDs(ids.length, ids, null);
            platforms = List.copyOf(new ArrayList<>(List.of(ids)));
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            failure = new IllegalStateException("no OpenCL library (libOpenCL.so.1) could be loaded by JOCL: " + e.getMessage(), e);
        } catch (CLException e) {
            failure = new IllegalStateException(e.getStatus() == CL.CL_PLATFORM_NOT_FOUND_KHR
                    ? "the OpenCL ICD loader found no platform (CL_PLATFORM_NOT_FOUND_KHR): no OpenCL driver is installed"
                    : "probing OpenCL platforms failed: " + CL.stringFor_errorCode(e.getStatus()), e);
        }
    }
}
