package lookm.accelerated.cl;

import java.util.HashMap;
import java.util.Map;

import lookm.spec.tensor.KvBlock;

/**
 * An OpenCL host on one device ({@link ClHost}: JOCL by default, or another host such as TornadoVM) plus the programs
 * built on it (each file and option set is built once and cached). Not thread-safe: one pipeline at a time. Close it
 * to release everything.
 */
public final class ClContext implements AutoCloseable {
    private static final long FLOAT_BYTES = Float.BYTES;
    private final ClHost host;
    private final Map<String, ClProgram> programs = new HashMap<>();
    private final Tiling tiling;
    private ResidentLayer resident;
    private long residentUploads, tensorUploads;
    /** Released resident buffers kept for the next layer of the same size (its pages are already mapped). */
    private final java.util.ArrayDeque<ClBuffer> spare = new java.util.ArrayDeque<>();
    /** Spare buffers kept: a layer's K and V. */
    private static final int SPARE_BUFFERS = 2;
    /** The context's scratch buffer ({@link #scratch}), grown on demand, or null. */
    private ClBuffer scratch;
    private boolean closed;

    private ClContext(ClHost host, Tiling tiling) {
        this.host = host;
        this.tiling = tiling;
    }

    /** A context on the chosen device. @throws OpenClUnavailableException if it does not exist */
    public static ClContext open(DeviceSelector choice) { return open(choice.pick()); }

    /** A context on {@code device} with the tiling for its kind ({@link Tiling#forDevice}). */
    public static ClContext open(DeviceInfo device) { return open(device, Tiling.forDevice(device)); }

    /** A context with an explicit register-tile shape (tests run the GPU tiling on a CPU device, too). */
    public static ClContext open(DeviceInfo device, Tiling tiling) { return on(JoclHost.open(device), tiling); }

    /** A context on another host (e.g. TornadoVM's), owning it: {@link #close()} closes the host. */
    public static ClContext on(ClHost host, Tiling tiling) { return new ClContext(host, tiling); }

    public DeviceInfo device() { return host.device(); }

    /** The host that runs the commands ("jocl", or e.g. "tornadovm"). */
    public String hostName() { return host.name(); }

    /** Register-tile shape of the matrix-like kernels on this device. */
    public Tiling tiling() { return tiling; }

    /** The program of {@code file}.cl built with {@code options}, built on first use. */
    public synchronized ClProgram program(String file, String options) {
        if (closed) throw new IllegalStateException("OpenCL context already closed");
        return programs.computeIfAbsent(file + "|" + options, k -> ClProgram.build(host, file, options));
    }

    /**
     * A program built from a caller's own source (tools outside this module, e.g. the bench's matmul yardstick),
     * cached under {@code name} and {@code options} like the classpath kernels.
     */
    public synchronized ClProgram program(String name, String source, String options) {
        if (closed) throw new IllegalStateException("OpenCL context already closed");
        return programs.computeIfAbsent("source:" + name + "|" + options, k -> ClProgram.build(host, name, source, options));
    }

    /** An uninitialised buffer of {@code bytes} (at least 1) bytes. */
    public ClBuffer allocate(long bytes) { return new ClBuffer(host.allocate(Math.max(bytes, 1))); }

    public ClBuffer allocateFloats(long count) { return allocate(count * FLOAT_BYTES); }

    public ClBuffer allocateInts(long count) { return allocate(count * Integer.BYTES); }

    /**
     * The context's one scratch buffer, at least {@code bytes} bytes, contents undefined: kept from call to call (a
     * fresh buffer's pages are faulted in on first touch, on a CPU device as costly as the kernel that fills it) and
     * grown when a call asks for more. Ownership rule: it belongs to the caller until the caller's next call of this
     * method returns; the caller must not close it, and commands run in queue order, so kernels enqueued with it
     * before are done with it before later ones use it. One stage at a time uses it (the context is single-pipeline).
     */
    public synchronized ClBuffer scratch(long bytes) {
        if (closed) throw new IllegalStateException("OpenCL context already closed");
        long wanted = Math.max(bytes, 1);
        if (scratch == null || scratch.bytes() < wanted) {
            if (scratch != null) scratch.close();
            scratch = null;
            scratch = allocate(wanted);
        }
        return scratch;
    }

    /** A buffer holding a copy of {@code data}. */
    public ClBuffer upload(float[] data) { return new ClBuffer(host.upload(data)); }

    public ClBuffer upload(int[] data) { return new ClBuffer(host.upload(data)); }

    public ClBuffer upload(byte[] data) { return new ClBuffer(host.upload(data)); }

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
        long bytes = Math.max((long) data.length * FLOAT_BYTES, 1);
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
    public void finish() { host.finish(); }

    @Override public synchronized void close() {
        if (closed) return;
        releaseResident();
        closed = true;
        while (!spare.isEmpty()) spare.removeFirst().close();
        if (scratch != null) scratch.close();
        scratch = null;
        for (ClProgram p : programs.values()) p.close();
        programs.clear();
        host.close();
    }
}
