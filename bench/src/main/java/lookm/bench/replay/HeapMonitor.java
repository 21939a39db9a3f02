package lookm.bench.replay;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Peak heap of a run, two ways: the largest heap in use right after any garbage collection (the live set: what
 * the replay really holds), and the largest sampled heap in use (includes garbage not yet collected, so it depends
 * on -Xmx and the collector). Both are bytes; start it before the work and close it after.
 */
public final class HeapMonitor implements AutoCloseable {
    /** Sampling period of the in-use heap. */
    public static final long SAMPLE_MS = 20;

    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakLive = new AtomicLong();
    private final Thread sampler;
    private final NotificationListener listener = (notification, handback) -> {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) return;
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long live = 0;
        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet())
            if (isHeap(e.getKey())) live += e.getValue().getUsed();
        peakLive.accumulateAndGet(live, Math::max);
    };

    private HeapMonitor() {
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans())
            if (gc instanceof NotificationEmitter emitter) emitter.addNotificationListener(listener, null, null);
        sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                sample();
                try {
                    Thread.sleep(SAMPLE_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "lookm-heap-monitor");
        sampler.setDaemon(true);
        sampler.start();
    }

    public static HeapMonitor start() { return new HeapMonitor(); }

    private static boolean isHeap(String pool) {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getName().equals(pool)) return p.getType() == MemoryType.HEAP;
        return false;
    }

    private void sample() {
        peakUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
    }

    /** Largest sampled heap in use, bytes. */
    public long peakUsedBytes() {
        sample();
        return peakUsed.get();
    }

    /** Largest heap in use right after a collection, bytes (0 if no collection ran). */
    public long peakLiveBytes() { return peakLive.get(); }

    /** The -Xmx in force, bytes. */
    public static long maxHeapBytes() { return Runtime.getRuntime().maxMemory(); }

    @Override public void close() {
        sampler.interrupt();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans())
            if (gc instanceof NotificationEmitter emitter) {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException e) {
                    // not registered on this collector: nothing to remove
                }
            }
    }
}
