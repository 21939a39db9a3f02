package lookm.accelerated.cl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device, as listed by {@link Devices#list()}.
 *
 * @param platformIndex    index of its platform in the runtime's platform list
 * @param deviceIndex      index of the device within its platform
 * @param type             "GPU", "CPU", "ACCELERATOR" or "OTHER"
 * @param computeUnits     CL_DEVICE_MAX_COMPUTE_UNITS
 * @param globalMemory     bytes of global memory
 * @param localMemory      bytes of local memory per work-group
 * @param maxWorkGroupSize CL_DEVICE_MAX_WORK_GROUP_SIZE
 */
public record DeviceInfo(int platformIndex, int deviceIndex, String platformName, String name, String type, int computeUnits,
                         long globalMemory, long localMemory, long maxWorkGroupSize, String version,
                         cl_platform_id platform, cl_device_id device) {
    /** Selector string that picks exactly this device, e.g. "0:1". */
    public String selector() { return platformIndex + ":" + deviceIndex; }

    public boolean isGpu() { return "GPU".equals(type); }

    public boolean isCpu() { return "CPU".equals(type); }

    /** One line, e.g. {@code 0:0 CPU "pthread-skylake-avx512-AMD EPYC" (Portable Computing Language), 2 CUs, 3.6 GiB}. */
    public String describe() {
        return "%s %s \"%s\" (%s, %s), %d compute units, %.1f GiB global, %d KiB local, max work-group %d".formatted(
                selector(), type, name, platformName, version, computeUnits, globalMemory / (double) (1L << 30), localMemory >> 10, maxWorkGroupSize);
    }

    @Override public String toString() { return describe(); }
}
