package lookm.accelerated.cl;

import java.util.HashMap;
import java.util.Map;

import lookm.spec.tensor.KvBlock;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;

/**
 * An OpenCL context and one in-order command queue on one device, plus the programs built on it (each file and
 * option set is built once and cached). Not thread-safe: one pipeline at a time. Close it to release everything.
 */
public final class ClContext implements AutoCloseable {
    private final DeviceInfo device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Map<String, ClProgram> programs = new HashMap<>();
    private final Tiling tiling;
    private ResidentLayer resident;
    private long residentUploads, tensorUploads;
    /** Released resident buffers kept for the next layer of the same size (its pages are already mapped). */
    private final java.util.ArrayDeque<ClBuffer> spare = new java.util.ArrayDeque<>();
    /** Spare buffers kept: a layer's K and V. */
    private static final int SPARE_BUFFERS = 2;
    private boolean closed;

    private ClContext(DeviceInfo device, cl_context context, cl_command_queue queue, Tiling tiling) {
        this.device = device;
        this.context = context;
        this.queue = queue;
        this.tiling = tiling;
    }

    /** A context on the chosen device. @throws OpenClUnavailableException if it does not exist */
    public static ClContext open(DeviceSelector choice) { return open(choice.pick()); }

    /** A context on {@code device} with the tiling for its kind ({@link Tiling#forDevice}). */
    public static ClContext open(DeviceInfo device) { return open(device, Tiling.forDevice(device)); }

    /** A context with an explicit register-tile shape (tests run the GPU tiling on a CPU device, too). */
    @SuppressWarnings("deprecation") // clCreateCommandQueue: also on OpenCL 1.2 platforms
    public static ClContext open(DeviceInfo device, Tiling tiling) {
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        cl_context context = CL.clCreateContext(properties, 1, new cl_device_id[] {device.device()}, null, null, null);
        cl_command_queue queue = CL.clCreateCommandQueue(context, device.device(), 0, null);
        return new ClContext(device, context, queue, tiling);
    }

    public DeviceInfo device() { return device; }

    /** Register-tile shape of the matrix-like kernels on this device. */
    public Tiling tiling() { return tiling; }

    cl_context context() { return context; }

    cl_command_queue queue() { return queue; }

    /** The program of {@code file}.cl built with {@code options}, built on first use. */
    public synchronized ClProgram program(String file, String options) {
        if (closed) throw new IllegalStateException("OpenCL context already closed");
        return programs.computeIfAbsent(file + "|" + options, k -> ClProgram.build(this, file, options));
    }

    /**
     * A program built from a caller's own source (tools outside this module, e.g. the bench's matmul yardstick),
     * cached under {@code name} and {@code options} like the classpath kernels.
     */
    public synchronized ClProgram program(String name, String source, String options) {
        if (closed) throw new IllegalStateException("OpenCL context already closed");
        return programs.computeIfAbsent("source:" + name + "|" + options, k -> ClProgram.build(this, name, source, options));
    }

    /** An uninitialised buffer of {@code bytes} (at least 1) bytes. */
    public ClBuffer allocate(long bytes) {
        long size = Math.max(bytes, 1);
        cl_mem mem = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, size, null, null);
        return new ClBuffer(this, mem, size);
    }

    public ClBuffer allocateFloats(long count) { return allocate(count * Sizeof.cl_float); }

    public ClBuffer allocateInts(long count) { return allocate(count * Sizeof.cl_int); }

    /** A buffer holding a copy of {@code data}. */
    public ClBuffer upload(float[] data) { return copyOf(Pointer.to(data), (long) data.length * Sizeof.cl_float); }

    public ClBuffer upload(int[] data) { return copyOf(Pointer.to(data), (long) data.length * Sizeof.cl_int); }

    public ClBuffer upload(byte[] data) { return copyOf(Pointer.to(data), data.length); }

    private ClBuffer copyOf(Pointer host, long bytes) {
        if (bytes == 0) return allocate(1);
        cl_mem mem = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE | CL.CL_MEM_COPY_HOST_PTR, bytes, host, null);
        return new ClBuffer(this, mem, bytes);
    }

    /**
     * The block's K and V on the device: uploaded on the first call for this {@code KvBlock} instance, the same buffers
     * afterwards, until {@link #release} (see {@link ResidentLayer} for the ownership rule). Replaces (and releases) the
     * layer held for any other block.
     */
    public synchronized ResidentLayer resident(KvBlock block) {
        if (closed) throw new IllegalStateException("OpenCL context already closed");
        if (resident != null && resident.holds(block)) return resident;
        releaseResident();
        resident = new ResidentLayer(this, block);
        residentUploads++;
        return resident;
    }

    /** How many layers {@link #resident} has held so far (each uploads its K and V at most once): for tests and the bench. */
    public synchronized long residentUploads() { return residentUploads; }

    /** How many K or V tensors the resident layers have uploaded so far (at most two per layer): for tests and the bench. */
    public synchronized long residentTensorUploads() { return tensorUploads; }

    /** Releases the device copy of {@code block} if this context holds it (the merge stage's last step). */
    public synchronized void release(KvBlock block) {
        if (resident != null && resident.holds(block)) releaseResident();
    }

    /**
     * A device copy of {@code data} in a recycled buffer of the same size when there is one (a fresh buffer's pages
     * are faulted in on first touch, which costs as much as the copy itself on a CPU device), else a new one.
     */
    synchronized ClBuffer uploadRecycled(float[] data) {
        tensorUploads++;
        long bytes = Math.max((long) data.length * Sizeof.cl_float, 1);
        for (java.util.Iterator<ClBuffer> it = spare.iterator(); it.hasNext(); ) {
            ClBuffer b = it.next();
            if (b.bytes() == bytes) {
                it.remove();
                return data.length == 0 ? b : b.write(data);      // in queue order: after every kernel that read it before
            }
        }
        return upload(data);
    }

    /** Takes back a resident buffer for reuse (closes the oldest spare beyond {@link #SPARE_BUFFERS}). */
    synchronized void recycle(ClBuffer buffer) {
        if (closed) {
            buffer.close();
            return;
        }
        spare.addLast(buffer);
        while (spare.size() > SPARE_BUFFERS) spare.removeFirst().close();
    }

    private void releaseResident() {
        if (resident == null) return;
        resident.close();
        resident = null;
    }

    /** Blocks until every enqueued command has finished (for stage timing). */
    public void finish() { CL.clFinish(queue); }

    @Override public synchronized void close() {
        if (closed) return;
        releaseResident();
        closed = true;
        while (!spare.isEmpty()) spare.removeFirst().close();
        for (ClProgram p : programs.values()) p.close();
        programs.clear();
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
    }
}
