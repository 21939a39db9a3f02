package lookm.tornadovm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import lookm.accelerated.cl.ClHost;
import lookm.accelerated.cl.DeviceInfo;
import lookm.accelerated.cl.KernelBuildException;
import lookm.accelerated.cl.PrebuiltSource;
import uk.ac.manchester.tornado.api.AccessorParameters;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.WorkerGrid3D;
import uk.ac.manchester.tornado.api.common.Access;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;
import uk.ac.manchester.tornado.api.exceptions.TornadoBailoutRuntimeException;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * The OpenCL pipeline's kernels run by TornadoVM: each launch is one prebuilt task in its own task graph (upstream runs
 * the first task's kernel for every prebuilt task of a graph, so one per graph), on one TornadoVM device. A buffer is a
 * TornadoVM {@link ByteArray} on the host, copied to the device before each launch and, when the kernel may write it
 * (a non-{@code const} {@code __global} parameter), back after it; so the host copy is always current and reads are
 * plain memory copies. Kernel sources are this module's {@code .cl} files rewritten by {@link PrebuiltSource} (data
 * after TornadoVM's array header, its four leading parameters) and compiled with the same build options as under JOCL
 * plus the local-memory sizes, never with TornadoVM's default fast-math flags. Launches run in submission order and
 * block, so {@link #finish()} has nothing to wait for. Not thread-safe.
 */
public final class TornadoVmHost implements ClHost {
    public static final String NAME = "tornadovm";
    /** Warnings off; nothing that changes numerics (TornadoVM's default adds -cl-mad-enable -cl-fast-relaxed-math). */
    private static final String BASE_FLAGS = "-w";
    private static final AtomicLong GRAPHS = new AtomicLong();

    private final TornadoDevice device;
    private final DeviceInfo info;
    private final Path sources;
    private final Map<String, Prog> programs = new HashMap<>();
    private final Plans plans = new Plans();
    /** Released buffers by size, reused newest first: a rerun of the same stages gets the same arrays, so its launches find their plans. */
    private final Map<Long, java.util.ArrayDeque<ByteArray>> pool = new HashMap<>();
    /** Released buffers kept per size. */
    private static final int POOLED_PER_SIZE = 8;

    TornadoVmHost(TornadoDevice device, DeviceInfo info) {
        this.device = device;
        this.info = info;
        try {
            this.sources = Files.createTempDirectory("lookm-tornadovm-");
            sources.toFile().deleteOnExit();                   // also when the host is never closed (files go first: registered later)
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the prebuilt kernel sources", e);
        }
    }

    @Override public DeviceInfo device() { return info; }

    @Override public String name() { return NAME; }

    /** The TornadoVM device the launches run on. */
    public TornadoDevice tornadoDevice() { return device; }

    @Override public Memory allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("a TornadoVM buffer holds at most " + Integer.MAX_VALUE + " bytes, asked " + bytes);
        long size = Math.max(bytes, 1);
        java.util.ArrayDeque<ByteArray> free = pool.get(size);
        return new Mem(free == null || free.isEmpty() ? new ByteArray((int) size) : free.pop());
    }

    private void recycle(ByteArray array) {
        java.util.ArrayDeque<ByteArray> free = pool.computeIfAbsent(array.getNumBytesOfSegment(), k -> new java.util.ArrayDeque<>());
        if (free.size() < POOLED_PER_SIZE) free.push(array);
        else plans.forget(array);
    }

    /** How many launches found their execution plan already built (for tests and the bench). */
    public long planHits() { return plans.hits; }

    /** How many launches built a new execution plan (TornadoVM compiles the kernel once per plan). */
    public long planBuilds() { return plans.builds; }

    @Override public Memory upload(float[] data) { return copyOf(MemorySegment.ofArray(data)); }

    @Override public Memory upload(int[] data) { return copyOf(MemorySegment.ofArray(data)); }

    @Override public Memory upload(byte[] data) { return copyOf(MemorySegment.ofArray(data)); }

    private Memory copyOf(MemorySegment data) {
        Mem m = (Mem) allocate(data.byteSize());
        MemorySegment.copy(data, 0, m.array.getSegment(), 0, data.byteSize());
        return m;
    }

    /** Rewrites the file for the prebuilt convention and writes it where TornadoVM reads it; compiled at the first launch. */
    @Override public synchronized Program build(String file, String source, String options) {
        Prog p = programs.get(file);
        if (p == null) {
            PrebuiltSource rewritten = PrebuiltSource.rewrite(file + ".cl", source, TornadoNativeArray.ARRAY_HEADER);
            Path path = sources.resolve(file.replaceAll("[^A-Za-z0-9_.-]", "_") + ".cl");
            try {
                Files.writeString(path, rewritten.source(), StandardCharsets.UTF_8);
                path.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the prebuilt kernel source " + path, e);
            }
            p = new Prog(file, rewritten, path);
            programs.put(file, p);
        }
        return p.withOptions(options);
    }

    @Override public void finish() {}

    @Override public synchronized void close() {
        plans.clear();
        pool.clear();
        programs.clear();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the prebuilt kernel sources in " + sources, e);
        }
    }

    private final class Mem implements Memory {
        final ByteArray array;

        Mem(ByteArray array) { this.array = array; }

        @Override public long bytes() { return array.getNumBytesOfSegment(); }

        @Override public void write(float[] data) { MemorySegment.copy(MemorySegment.ofArray(data), 0, array.getSegment(), 0, (long) data.length * Float.BYTES); }

        @Override public void read(long offsetBytes, float[] into) { MemorySegment.copy(array.getSegment(), ValueLayout.JAVA_FLOAT_UNALIGNED, offsetBytes, into, 0, into.length); }

        @Override public void read(long offsetBytes, int[] into) { MemorySegment.copy(array.getSegment(), ValueLayout.JAVA_INT_UNALIGNED, offsetBytes, into, 0, into.length); }

        @Override public void read(long offsetBytes, byte[] into) { MemorySegment.copy(array.getSegment(), ValueLayout.JAVA_BYTE, offsetBytes, into, 0, into.length); }

        /** Back to the pool; the off-heap segment is freed by the garbage collector once neither the pool nor a plan holds it. */
        @Override public void release() { recycle(array); }
    }

    /** A local-memory argument: a size, turned into a build option. */
    private record Local(long bytes) {}

    private final class Prog {
        final String file;
        final PrebuiltSource source;
        final Path path;

        Prog(String file, PrebuiltSource source, Path path) {
            this.file = file;
            this.source = source;
            this.path = path;
        }

        Program withOptions(String options) {
            return new Program() {
                @Override public Kernel kernel(String name) { return new Kern(Prog.this, options, name, source.parameters(name)); }

                @Override public void release() {}
            };
        }
    }

    private final class Kern implements Kernel {
        private final Prog program;
        private final String options;
        private final String name;
        private final List<PrebuiltSource.Parameter> parameters;
        private final Object[] args;

        Kern(Prog program, String options, String name, List<PrebuiltSource.Parameter> parameters) {
            this.program = program;
            this.options = options;
            this.name = name;
            this.parameters = parameters;
            this.args = new Object[parameters.size()];
        }

        private void set(int index, Object value) {
            if (index < 0 || index >= args.length)
                throw new IllegalArgumentException(program.file + ".cl:" + name + " has " + args.length + " parameters, argument " + index + " set");
            args[index] = value;
        }

        @Override public void arg(int index, Memory buffer) { set(index, ((Mem) buffer).array); }

        @Override public void arg(int index, int value) { set(index, value); }

        @Override public void arg(int index, float value) { set(index, value); }

        @Override public void arg(int index, long value) { set(index, value); }

        @Override public void local(int index, long bytes) { set(index, new Local(bytes)); }

        @Override public void launch(long[] global, long[] local) {
            StringBuilder flags = new StringBuilder(BASE_FLAGS).append(options.isBlank() ? "" : " " + options);
            List<Object> passed = new ArrayList<>();
            List<Access> access = new ArrayList<>();
            Map<Object, Boolean> arrays = new IdentityHashMap<>();          // array -> written by the kernel
            for (int i = 0; i < args.length; i++) {
                PrebuiltSource.Parameter p = parameters.get(i);
                Object a = args[i];
                String where = program.file + ".cl:" + name + " argument " + i + " (" + p.name() + ")";
                if (a == null) throw new IllegalStateException(where + " is not set");
                switch (p.kind()) {
                    case LOCAL -> {
                        if (!(a instanceof Local l)) throw new IllegalArgumentException(where + " is __local: set it with local(bytes)");
                        flags.append(" -D").append(PrebuiltSource.localMacro(name, p.name())).append('=').append(l.bytes());
                    }
                    case GLOBAL, GLOBAL_CONST -> {
                        if (!(a instanceof ByteArray)) throw new IllegalArgumentException(where + " is a __global buffer, got " + a.getClass().getSimpleName());
                        boolean writes = p.kind() == PrebuiltSource.Kind.GLOBAL;
                        arrays.merge(a, writes, Boolean::logicalOr);
                        passed.add(a);
                        access.add(writes ? Access.READ_WRITE : Access.READ_ONLY);
                    }
                    case SCALAR -> {
                        if (a instanceof ByteArray || a instanceof Local) throw new IllegalArgumentException(where + " is a scalar");
                        passed.add(a);
                        access.add(Access.READ_ONLY);
                    }
                }
            }
            Plans.Key key = new Plans.Key(program.path + ":" + name + " " + flags + " " + java.util.Arrays.toString(global) + "/"
                    + java.util.Arrays.toString(local), passed);
            TornadoExecutionPlan plan = plans.get(key);
            try {
                if (plan == null) {
                    TornadoExecutionPlan fresh = newPlan(passed, access, arrays, flags.toString(), global, local);
                    try {
                        fresh.execute();                               // compiles the kernel: a build error surfaces here
                    } catch (RuntimeException e) {
                        Plans.close(fresh);
                        throw e;
                    }
                    plans.put(key, fresh, arrays.keySet());
                } else {
                    plan.execute();
                }
            } catch (RuntimeException e) {
                if (isBuildFailure(e)) throw new KernelBuildException(program.file, flags.toString(), info.name(), String.valueOf(e.getMessage()), e);
                throw e;
            }
        }

        private TornadoExecutionPlan newPlan(List<Object> passed, List<Access> access, Map<Object, Boolean> arrays, String flags, long[] global, long[] local) {
            AccessorParameters accessors = new AccessorParameters(passed.size());
            for (int i = 0; i < passed.size(); i++) accessors.set(i, passed.get(i), access.get(i));
            String graph = "lookm" + GRAPHS.incrementAndGet();
            TaskGraph tasks = new TaskGraph(graph);
            if (!arrays.isEmpty()) tasks.transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays.keySet().toArray());
            tasks.prebuiltTask("t", name, program.path.toString(), accessors);
            Object[] written = arrays.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toArray();
            if (written.length > 0) tasks.transferToHost(DataTransferMode.EVERY_EXECUTION, written);
            TornadoExecutionPlan plan = new TornadoExecutionPlan(tasks.snapshot());
            plan.withGridScheduler(new GridScheduler(graph + ".t", grid(global, local))).withDevice(device)
                    .withCompilerFlags(TornadoVMBackendType.OPENCL, flags);
            return plan;
        }

        @Override public void release() {}
    }

    /**
     * Built execution plans by launch (kernel, build flags, grid, and the exact arguments: the same array objects and
     * scalar values), least recently used first; bounded by count and by the bytes of the arrays they hold on the device.
     */
    private static final class Plans {
        private static final int MAX_PLANS = 64;
        private static final long MAX_BYTES = 1L << 30;
        long hits, builds;
        private long bytes;
        private final java.util.LinkedHashMap<Key, Entry> plans = new java.util.LinkedHashMap<>(16, 0.75f, true);

        /** Arguments compared by identity for arrays and by value for scalars. */
        record Key(String launch, List<Object> args) {
            @Override public boolean equals(Object o) {
                if (!(o instanceof Key k) || !launch.equals(k.launch) || args.size() != k.args.size()) return false;
                for (int i = 0; i < args.size(); i++) {
                    Object a = args.get(i), b = k.args.get(i);
                    if (a instanceof ByteArray ? a != b : !a.equals(b)) return false;
                }
                return true;
            }

            @Override public int hashCode() {
                int h = launch.hashCode();
                for (Object a : args) h = 31 * h + (a instanceof ByteArray ? System.identityHashCode(a) : a.hashCode());
                return h;
            }
        }

        record Entry(TornadoExecutionPlan plan, java.util.Set<Object> arrays, long bytes) {}

        TornadoExecutionPlan get(Key key) {
            Entry e = plans.get(key);
            if (e == null) return null;
            hits++;
            return e.plan;
        }

        void put(Key key, TornadoExecutionPlan plan, java.util.Set<Object> arrays) {
            builds++;
            long size = 0;
            for (Object a : arrays) size += ((ByteArray) a).getNumBytesOfSegment();
            plans.put(key, new Entry(plan, java.util.Collections.newSetFromMap(new IdentityHashMap<>()), size));
            plans.get(key).arrays.addAll(arrays);
            bytes += size;
            while (plans.size() > MAX_PLANS || bytes > MAX_BYTES && plans.size() > 1) evict(plans.keySet().iterator().next());
        }

        /** Closes every plan that holds {@code array} (it left the pool: no launch will pass it again). */
        void forget(ByteArray array) {
            for (Key k : plans.entrySet().stream().filter(e -> e.getValue().arrays.contains(array)).map(Map.Entry::getKey).toList()) evict(k);
        }

        private void evict(Key key) {
            Entry e = plans.remove(key);
            bytes -= e.bytes;
            close(e.plan);
        }

        void clear() {
            for (Entry e : plans.values()) close(e.plan);
            plans.clear();
            bytes = 0;
        }

        private static void close(TornadoExecutionPlan plan) {
            try {
                plan.close();
            } catch (TornadoExecutionPlanException e) {
                throw new IllegalStateException("TornadoVM could not release an execution plan", e);
            }
        }
    }

    /** TornadoVM reports a kernel that does not build as a bailout (with -Dtornado.recover.bailout=False it is thrown). */
    private static boolean isBuildFailure(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof TornadoBailoutRuntimeException) return true;
        return false;
    }

    private static WorkerGrid grid(long[] global, long[] local) {
        for (long g : global) if (g <= 0) throw new IllegalArgumentException("global size must be positive, got " + java.util.Arrays.toString(global));
        WorkerGrid grid = switch (global.length) {
            case 1 -> new WorkerGrid1D(Math.toIntExact(global[0]));
            case 2 -> new WorkerGrid2D(Math.toIntExact(global[0]), Math.toIntExact(global[1]));
            case 3 -> new WorkerGrid3D(Math.toIntExact(global[0]), Math.toIntExact(global[1]), Math.toIntExact(global[2]));
            default -> throw new IllegalArgumentException("1 to 3 dimensions, got " + global.length);
        };
        if (local == null) grid.setLocalWorkToNull();
        else grid.setLocalWork(local[0], local.length > 1 ? local[1] : 1, local.length > 2 ? local[2] : 1);
        return grid;
    }
}
