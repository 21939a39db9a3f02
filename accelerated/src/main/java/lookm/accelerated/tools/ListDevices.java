package lookm.accelerated.tools;

import lookm.accelerated.cl.Devices;
import lookm.accelerated.cl.OpenClUnavailableException;

/**
 * Prints the OpenCL devices, one per line, with the selector ("platform:device") that picks each; or, when there
 * is no OpenCL runtime or device, the reason and what to install (on stderr).
 *
 * <pre>java -cp ... lookm.accelerated.tools.ListDevices</pre>
 */
public final class ListDevices {
    private ListDevices() {}

    public static void main(String[] args) {
        try {
            System.out.print(Devices.describeAll());
        } catch (OpenClUnavailableException e) {
            System.err.println("OpenCL unavailable: " + e.getMessage());
        }
    }
}
