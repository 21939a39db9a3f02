package lookm.accelerated.cl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/** One built {@code .cl} file; creates its kernels. Released on {@link #close()} (the owning {@link ClContext} does it). */
public final class ClProgram implements AutoCloseable {
    private final ClContext context;
    private final cl_program program;
    private final String file;

    private ClProgram(ClContext context, cl_program program, String file) {
        this.context = context;
        this.program = program;
        this.file = file;
    }

    /** Builds {@code file}.cl from the classpath with {@code options}. @throws KernelBuildException with the build log */
    static ClProgram build(ClContext context, String file, String options) { return build(context, file, KernelSource.load(file), options); }

    /** Builds {@code source} (named {@code file} in errors) with {@code options}. @throws KernelBuildException with the build log */
    static ClProgram build(ClContext context, String file, String source, String options) {
        cl_program program = CL.clCreateProgramWithSource(context.context(), 1, new String[] {source}, null, null);
        cl_device_id device = context.device().device();
        try {
            CL.clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program, device);
            CL.clReleaseProgram(program);
            throw new KernelBuildException(file, options, context.device().name(), log, e);
        }
        return new ClProgram(context, program, file);
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, java.nio.charset.StandardCharsets.UTF_8).trim();
    }

    /** A new kernel object for function {@code name} of this file (close it after use). */
    public ClKernel kernel(String name) {
        return new ClKernel(context, CL.clCreateKernel(program, name, null), file + ".cl:" + name);
    }

    @Override public void close() { CL.clReleaseProgram(program); }
}
