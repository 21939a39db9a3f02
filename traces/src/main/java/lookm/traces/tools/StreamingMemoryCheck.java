package lookm.traces.tools;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SyntheticTraceGenerator;
import lookm.traces.write.AtomicDirectory;

/**
 * Writes a ~1 GiB synthetic trace (L=32, Hq=Hkv=32, D=128, T=2048, float16: K+V = 2^30 bytes) and replays it layer
 * by layer, printing the peak heap. Not a test: run it by hand with a small heap to show that memory is bounded,
 * e.g. {@code java -Xmx256m --add-opens=java.base/java.nio=ALL-UNNAMED -cp ... lookm.traces.tools.StreamingMemoryCheck [dir]}.
 * The attention of this trace is estimated from every 64th query row (exact attention on 2^11 tokens x 32 layers
 * would take far longer than the reading being measured).
 */
public final class StreamingMemoryCheck {
    private static final int LAYERS = 32, HEADS = 32, HEAD_DIM = 128, TEXT_BEFORE = 64, TEXT_AFTER = 1408;
    private static final int WINDOW = 32, PROBES = 8, ATTENTION_STRIDE = 64;
    private static final double MIB = 1 << 20;

    private StreamingMemoryCheck() {}

    public static void main(String[] args) throws Exception {
        Path parent = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("lookm-1g-");
        Path trace = parent.resolve("trace-1g");
        SynthConfig config = SynthConfig.builder().modelName("synthetic-1GiB").shape(LAYERS, HEADS, HEADS, HEAD_DIM)
                .dtype(CacheDtype.FLOAT16).images(SynthConfig.Builder.LLAVA_TOKENS_PER_IMAGE, TEXT_BEFORE, TEXT_AFTER)
                .prefillQueries(WINDOW).probes(PROBES).attentionStride(ATTENTION_STRIDE).seed(1).build();
        long maxHeap = Runtime.getRuntime().maxMemory();
        System.out.printf("max heap %.0f MiB; writing %s%n", maxHeap / MIB, trace);
        long start = System.nanoTime();
        resetPeaks();
        new SyntheticTraceGenerator(config).write(trace, true);
        double writeSeconds = (System.nanoTime() - start) / 1e9;
        long bytes = 0;
        try (var files = Files.list(trace)) {
            for (Path f : (Iterable<Path>) files::iterator) bytes += Files.size(f);
        }
        System.out.printf("wrote %.1f MiB in %.1f s, peak heap while writing %.1f MiB%n", bytes / MIB, writeSeconds, peakHeap() / MIB);

        System.gc();
        resetPeaks();
        start = System.nanoTime();
        double checksum = 0;
        long arrowPeak;
        try (TraceReader r = TraceReader.open(trace)) {
            for (int l = 0; l < r.metadata().layers(); l++) {
                TraceLayer layer = r.layer(l);
                checksum += layer.block().keys()[l] + layer.observation().accumulatedAttention().values()[l];
            }
            arrowPeak = r.arrowPeakBytes();
        }
        double readSeconds = (System.nanoTime() - start) / 1e9;
        long layerBytes = 2L * HEADS * config.tokens() * HEAD_DIM * Float.BYTES;
        System.out.printf("read %d layers in %.1f s (%.0f MiB/s of trace); one layer as float32 K+V = %.1f MiB%n", LAYERS, readSeconds,
                bytes / MIB / readSeconds, layerBytes / MIB);
        System.out.printf("peak heap while reading %.1f MiB; peak Arrow off-heap %.1f MiB; checksum %.3f%n", peakHeap() / MIB, arrowPeak / MIB, checksum);
        if (args.length == 0) AtomicDirectory.deleteRecursively(parent);
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) pool.resetPeakUsage();
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound of the true peak). */
    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
        return peak;
    }
}
