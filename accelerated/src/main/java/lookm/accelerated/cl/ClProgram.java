package lookm.accelerated.cl;

/** One built {@code .cl} file; creates its kernels. Released on {@link #close()} (the owning {@link ClContext} does it). */
public final class ClProgram implements AutoCloseable {
    private final ClHost.Program program;
    private final String file;

    private ClProgram(ClHost.Program program, String file) {
        this.program = program;
        this.file = file;
    }

    /** Builds {@code file}.cl from the classpath with {@code options}. @throws KernelBuildException with the build log */
    static ClProgram build(ClHost host, String file, String options) { return build(host, file, KernelSource.load(file), options); }

    /** Builds {@code source} (named {@code file} in errors) with {@code options}. @throws KernelBuildException with the build log */
    static ClProgram build(ClHost host, String file, String source, String options) {
        return new ClProgram(host.build(file, source, options), file);
    }

    /** A new kernel object for function {@code name} of this file (close it after use). */
    public ClKernel kernel(String name) { return new ClKernel(program.kernel(name), file + ".cl:" + name); }

    @Override public void close() { program.release(); }
}
