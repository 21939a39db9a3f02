package lookm.accelerated.cl;

/**
 * What {@link ClContext} needs from an OpenCL host program: buffers, programs built from source with options, kernels
 * with positional arguments, launches in order on one device. The same stages and the same {@code .cl} files run on
 * any host: {@link JoclHost} (JOCL, the default) or another one found through {@link ClHostProvider} (the optional
 * {@code tornadovm} module runs them as TornadoVM prebuilt tasks). Commands complete in submission order; reads block
 * until every earlier command has finished.
 */
public interface ClHost extends AutoCloseable {
    /** The device every command runs on. */
    DeviceInfo device();

    /** Short name of the host, e.g. "jocl" or "tornadovm". */
    String name();

    /** An uninitialised buffer of {@code bytes} (at least 1) bytes. */
    Memory allocate(long bytes);

    /** A buffer holding a copy of {@code data} (at least 1 byte). */
    Memory upload(float[] data);

    Memory upload(int[] data);

    Memory upload(byte[] data);

    /** {@code source} (named {@code file} in errors) built with {@code options}. @throws KernelBuildException with the build log */
    Program build(String file, String source, String options);

    /** Blocks until every submitted command has finished. */
    void finish();

    /** Releases the device resources (buffers and programs are released by their owners first). */
    @Override void close();

    /** A device buffer. */
    interface Memory {
        long bytes();

        /** Writes {@code data} at byte 0. */
        void write(float[] data);

        /** Reads {@code into.length} floats starting at byte {@code offsetBytes}. */
        void read(long offsetBytes, float[] into);

        void read(long offsetBytes, int[] into);

        void read(long offsetBytes, byte[] into);

        void release();
    }

    /** One built program. */
    interface Program {
        /** A new kernel object for function {@code name}. */
        Kernel kernel(String name);

        void release();
    }

    /** One kernel with positional arguments (set each before the launch; a set argument keeps its value). */
    interface Kernel {
        void arg(int index, Memory buffer);

        void arg(int index, int value);

        void arg(int index, float value);

        void arg(int index, long value);

        /** A {@code __local} argument of {@code bytes} bytes. */
        void local(int index, long bytes);

        /** Submits the kernel over {@code global} work-items in work-groups of {@code local} (null: the host chooses). */
        void launch(long[] global, long[] local);

        void release();
    }
}
