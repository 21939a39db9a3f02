package lookm.accelerated.cl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/** The default {@link ClHost}: JOCL, one OpenCL context and one in-order command queue on one device. */
public final class JoclHost implements ClHost {
    public static final String NAME = "jocl";

    private final DeviceInfo device;
    private final cl_context context;
    private final cl_command_queue queue;

    private JoclHost(DeviceInfo device, cl_context context, cl_command_queue queue) {
        this.device = device;
        this.context = context;
        this.queue = queue;
    }

    /** A context and an in-order queue on {@code device}. */
    @SuppressWarnings("deprecation") // clCreateCommandQueue: also on OpenCL 1.2 platforms
    public static JoclHost open(DeviceInfo device) {
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        cl_context context = CL.clCreateContext(properties, 1, new cl_device_id[] {device.device()}, null, null, null);
        cl_command_queue queue = CL.clCreateCommandQueue(context, device.device(), 0, null);
        return new JoclHost(device, context, queue);
    }

    @Override public DeviceInfo device() { return device; }

    @Override public String name() { return NAME; }

    @Override public Memory allocate(long bytes) {
        long size = Math.max(bytes, 1);
        return new Mem(CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, size, null, null), size);
    }

    @Override public Memory upload(float[] data) { return copyOf(Pointer.to(data), (long) data.length * Sizeof.cl_float); }

    @Override public Memory upload(int[] data) { return copyOf(Pointer.to(data), (long) data.length * Sizeof.cl_int); }

    @Override public Memory upload(byte[] data) { return copyOf(Pointer.to(data), data.length); }

    private Memory copyOf(Pointer host, long bytes) {
        if (bytes == 0) return allocate(1);
        return new Mem(CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE | CL.CL_MEM_COPY_HOST_PTR, bytes, host, null), bytes);
    }

    @Override public Program build(String file, String source, String options) {
        cl_program program = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            CL.clBuildProgram(program, 1, new cl_device_id[] {device.device()}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program, device.device());
            CL.clReleaseProgram(program);
            throw new KernelBuildException(file, options, device.name(), log, e);
        }
        return new Prog(program);
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, java.nio.charset.StandardCharsets.UTF_8).trim();
    }

    @Override public void finish() { CL.clFinish(queue); }

    @Override public void close() {
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
    }

    private final class Mem implements Memory {
        private final cl_mem mem;
        private final long bytes;

        Mem(cl_mem mem, long bytes) {
            this.mem = mem;
            this.bytes = bytes;
        }

        @Override public long bytes() { return bytes; }

        @Override public void write(float[] data) {
            CL.clEnqueueWriteBuffer(queue, mem, CL.CL_TRUE, 0, (long) data.length * Sizeof.cl_float, Pointer.to(data), 0, null, null);
        }

        @Override public void read(long offsetBytes, float[] into) { read(offsetBytes, Pointer.to(into), (long) into.length * Sizeof.cl_float); }

        @Override public void read(long offsetBytes, int[] into) { read(offsetBytes, Pointer.to(into), (long) into.length * Sizeof.cl_int); }

        @Override public void read(long offsetBytes, byte[] into) { read(offsetBytes, Pointer.to(into), into.length); }

        private void read(long offsetBytes, Pointer target, long size) {
            if (size > 0) CL.clEnqueueReadBuffer(queue, mem, CL.CL_TRUE, offsetBytes, size, target, 0, null, null);
        }

        @Override public void release() { CL.clReleaseMemObject(mem); }
    }

    private final class Prog implements Program {
        private final cl_program program;

        Prog(cl_program program) { this.program = program; }

        @Override public Kernel kernel(String name) { return new Kern(CL.clCreateKernel(program, name, null)); }

        @Override public void release() { CL.clReleaseProgram(program); }
    }

    private final class Kern implements Kernel {
        private final cl_kernel kernel;

        Kern(cl_kernel kernel) { this.kernel = kernel; }

        @Override public void arg(int index, Memory buffer) { CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(((Mem) buffer).mem)); }

        @Override public void arg(int index, int value) { CL.clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {value})); }

        @Override public void arg(int index, float value) { CL.clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {value})); }

        @Override public void arg(int index, long value) { CL.clSetKernelArg(kernel, index, Sizeof.cl_long, Pointer.to(new long[] {value})); }

        @Override public void local(int index, long bytes) { CL.clSetKernelArg(kernel, index, bytes, null); }

        @Override public void launch(long[] global, long[] local) {
            CL.clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, null);
        }

        @Override public void release() { CL.clReleaseKernel(kernel); }
    }
}
