package lookm.accelerated.cl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Lists the OpenCL platforms and devices with their names, types, compute units and memory. */
public final class Devices {
    private Devices() {}

    /**
     * Every device of every platform, in platform then device order (the order {@link DeviceSelector} indexes).
     *
     * @throws OpenClUnavailableException if there is no OpenCL runtime or no platform
     */
    public static List<DeviceInfo> list() {
        List<cl_platform_id> platforms = OpenCl.platforms();
        List<DeviceInfo> devices = new ArrayList<>();
        for (int p = 0; p < platforms.size(); p++) {
            cl_platform_id platform = platforms.get(p);
            String platformName = platformString(platform, CL_PLATFORM_NAME);
            for (cl_device_id device : devicesOf(platform)) {
                int d = (int) devices.stream().filter(x -> x.platform() == platform).count();
                devices.add(new DeviceInfo(p, d, platformName, deviceString(device, CL_DEVICE_NAME), typeName(deviceLong(device, CL_DEVICE_TYPE)),
                        (int) deviceInt(device, CL_DEVICE_MAX_COMPUTE_UNITS), deviceLong(device, CL_DEVICE_GLOBAL_MEM_SIZE),
                        deviceLong(device, CL_DEVICE_LOCAL_MEM_SIZE), deviceSize(device, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                        deviceString(device, CL_DEVICE_VERSION), platform, device));
            }
        }
        return List.copyOf(devices);
    }

    /** The device listing as text, one device per line (for a CLI's {@code devices} command). */
    public static String describeAll() {
        StringBuilder s = new StringBuilder();
        for (DeviceInfo d : list()) s.append(d.describe()).append('\n');
        return s.length() == 0 ? "no OpenCL devices\n" : s.toString();
    }

    private static cl_device_id[] devicesOf(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) return new cl_device_id[0];
            throw e;
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        return ids;
    }

    private static String typeName(long type) {
        if ((type & CL_DEVICE_TYPE_GPU) != 0) return "GPU";
        if ((type & CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) return "ACCELERATOR";
        return "OTHER";
    }

    private static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(platform, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetPlatformInfo(platform, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(device, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetDeviceInfo(device, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static long deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null);
        return value[0];
    }

    private static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null);
        return value[0];
    }

    private static long deviceSize(cl_device_id device, int param) {
        long[] value = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(value), null);
        return value[0];
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
    }
}
