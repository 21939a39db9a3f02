package lookm.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import lookm.spec.tensor.KvBlock;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceSchema;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SyntheticTraceGenerator;
import lookm.traces.write.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mutation suite (issue 10, item 4): a small sealed trace is damaged in a few hundred deterministic ways
 * ({@link TraceMutations}) and each mutant goes through {@code lookm trace validate} and {@code lookm replay}
 * in-process. Every mutant must be refused by both (exit 2, one line naming a file of the trace) or give a replay
 * result identical to the original's; never exit 1, never a stack trace, never a hang (a timeout per command), and
 * never a refusal by replay of what validate accepted. Prints a summary: mutants, outcomes by kind, max heap.
 */
class TraceMutationSuiteTest {
    /** Per command; the whole suite takes well under a minute on the 2-core build machine. */
    private static final long TIMEOUT_SECONDS = 30;
    private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w.$]+\\(|Exception in thread|internal error");
    private static final long MIB = 1 << 20;
    /** Peak heap of one validate of this 40 KB trace; a lying header that were believed would need gigabytes. */
    private static final long MAX_VALIDATE_HEAP = 256 * MIB;
    /** All a validate of it may allocate: the trace is 40 KB; believing "T = 10^9" would allocate 4 GB at once. */
    private static final long MAX_VALIDATE_ALLOCATION = 64 * MIB;

    @TempDir Path dir;

    /** REFUSED: exit 2 naming a file; IDENTICAL: every value read equals the original's; UNDETECTABLE: see below. */
    enum Outcome { REFUSED, IDENTICAL, UNDETECTABLE_WITHOUT_INTEGRITY }

    /** @param allocated bytes the command allocated on the heap (all of it, garbage included) */
    record Run(int code, String out, String err, long allocated) {}

    @Test
    void everyMutantIsRefusedNamingAFileOrReplaysIdentically() throws Exception {
        Path base = sealedTrace(dir.resolve("base"), 20240626L);
        Path sibling = sealedTrace(dir.resolve("sibling"), 7L);
        Path twin = twinOf(base, dir.resolve("twin"));
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mutation-suite");
            t.setDaemon(true);
            return t;
        });
        try {
            String original = replayResult(runner, base, dir.resolve("out-base"));
            assertEquals(original, replayResult(runner, copy(base, dir.resolve("again")), dir.resolve("out-again")), "replay is deterministic");
            assertNotEquals(original, replayResult(runner, twin, dir.resolve("out-twin")), "the comparison sees a change of data");

            String twinResult = replayResult(runner, twin, dir.resolve("out-twin-again"));
            Suite sealed = new Suite(base, original, twinResult, false);
            sealed.run(runner, TraceMutations.all(base, new TraceMutations.Donors(sibling, twin)));
            Path v1 = copy(base, dir.resolve("v1"));
            Files.delete(v1.resolve(TraceSchema.INTEGRITY_FILE));
            Suite unsealed = new Suite(v1, original, twinResult, true);
            unsealed.run(runner, TraceMutations.unsealed(v1));
            for (Suite s : List.of(sealed, unsealed))
                System.out.printf("mutation suite (%s): %d mutants in %.1f s; outcomes by kind %s; max heap during one validate %.1f MiB"
                        + " (heap pools' peaks, harness included), at most %.1f MiB allocated by one validate; %d failures%n",
                        s.withoutIntegrity ? "trace without integrity data" : "sealed trace", s.mutants, s.seconds, new TreeMap<>(s.byKind),
                        (double) s.maxHeap / MIB, (double) s.maxAllocated / MIB, s.failures.size());
            List<String> failures = new ArrayList<>(sealed.failures);
            failures.addAll(unsealed.failures);
            assertTrue(failures.isEmpty(), failures.size() + " mutants misbehaved:\n" + String.join("\n", failures));
            assertTrue(sealed.mutants >= 300, "a few hundred mutants: " + sealed.mutants);
            assertEquals(0, sealed.count(Outcome.UNDETECTABLE_WITHOUT_INTEGRITY), "with integrity data no difference goes unnoticed");
            assertTrue(Math.max(sealed.maxHeap, unsealed.maxHeap) < MAX_VALIDATE_HEAP, "validate's peak heap stays bounded: "
                    + Math.max(sealed.maxHeap, unsealed.maxHeap) / MIB + " MiB");
            assertTrue(Math.max(sealed.maxAllocated, unsealed.maxAllocated) < MAX_VALIDATE_ALLOCATION, "no validate allocates more than "
                    + MAX_VALIDATE_ALLOCATION / MIB + " MiB: " + Math.max(sealed.maxAllocated, unsealed.maxAllocated) / MIB + " MiB");
        } finally {
            runner.shutdownNow();
        }
    }

    /** One group of mutants of one base trace, with its tallies. */
    private final class Suite {
        final Path base;
        final String original, twinResult;
        final boolean withoutIntegrity;
        final Map<TraceMutations.Kind, Map<Outcome, Integer>> byKind = new EnumMap<>(TraceMutations.Kind.class);
        final List<String> failures = new ArrayList<>();
        long maxHeap, maxAllocated;
        int mutants;
        double seconds;

        Suite(Path base, String original, String twinResult, boolean withoutIntegrity) {
            this.base = base;
            this.original = original;
            this.twinResult = twinResult;
            this.withoutIntegrity = withoutIntegrity;
        }

        void run(ExecutorService runner, List<TraceMutations.Mutant> list) throws Exception {
            long start = System.nanoTime();
            for (TraceMutations.Mutant m : list) {
                Path root = dir.resolve((withoutIntegrity ? "u" : "m") + mutants++);
                Path trace = copy(base, root.resolve("trace"));
                Path out = root.resolve("out");
                m.apply().apply(trace);
                resetHeapPeaks();
                Run validate = lookm(runner, "trace", "validate", trace.toString());
                maxHeap = Math.max(maxHeap, heapPeak());
                maxAllocated = Math.max(maxAllocated, validate.allocated());
                Run replay = lookm(runner, "replay", "--trace", trace.toString(), "--policy", "lookm", "--budget", "0.5", "--quiet",
                        "--out", out.toString());
                Outcome outcome = validate.code() == LookmCli.EXIT_OK ? Outcome.IDENTICAL : Outcome.REFUSED;
                String problem = judge(m, trace, validate, replay, out, m.becomesTwin() ? twinResult : original);
                if (problem == null && outcome == Outcome.IDENTICAL && !m.becomesTwin()) problem = sameData(base, trace);
                if (problem != null && withoutIntegrity && problem.startsWith(SILENT)) {
                    outcome = Outcome.UNDETECTABLE_WITHOUT_INTEGRITY;
                    problem = null;
                }
                if (problem != null) failures.add(m.name() + ": " + problem);
                byKind.computeIfAbsent(m.kind(), k -> new EnumMap<>(Outcome.class)).merge(outcome, 1, Integer::sum);
                AtomicDelete.tree(root);
            }
            seconds = (System.nanoTime() - start) / 1e9;
        }

        int count(Outcome o) {
            return byKind.values().stream().mapToInt(m -> m.getOrDefault(o, 0)).sum();
        }
    }

    private static final String SILENT = "silent difference";

    /**
     * Proof of harmlessness for an accepted mutant: the reader returns exactly the original's metadata, layout,
     * token ids and every value of every layer, so no policy can tell the two apart. Null when so.
     */
    private static String sameData(Path base, Path mutant) {
        try (TraceReader a = TraceReader.open(base); TraceReader b = TraceReader.open(mutant)) {
            if (!a.metadata().equals(b.metadata()) || !a.layout().equals(b.layout())
                    || !java.util.Arrays.equals(a.tokenIds().orElse(null), b.tokenIds().orElse(null)))
                return SILENT + " in metadata, layout or token ids";
            for (int l = 0; l < a.metadata().layers(); l++) {
                TraceLayer x = a.layer(l), y = b.layer(l);
                if (!java.util.Arrays.equals(x.block().keys(), y.block().keys()) || !java.util.Arrays.equals(x.block().values(), y.block().values())
                        || !java.util.Arrays.equals(x.observation().accumulatedAttention().values(), y.observation().accumulatedAttention().values())
                        || !java.util.Arrays.equals(x.observation().prefillQueries().data(), y.observation().prefillQueries().data())
                        || !java.util.Arrays.equals(x.observation().probeQueries().data(), y.observation().probeQueries().data())
                        || !java.util.Arrays.equals(x.observation().probeQueries().positions(), y.observation().probeQueries().positions())
                        || !java.util.Arrays.equals(x.decode().keys(), y.decode().keys()) || !java.util.Arrays.equals(x.decode().values(), y.decode().values()))
                    return SILENT + " in layer " + l + " (the replay result happened to agree)";
            }
            return null;
        }
    }

    /** Null when the mutant was handled as required, else what went wrong. */
    private static String judge(TraceMutations.Mutant m, Path trace, Run validate, Run replay, Path out, String original) throws IOException {
        for (Run r : List.of(validate, replay)) {
            if (r.code() != LookmCli.EXIT_OK && r.code() != LookmCli.EXIT_BAD_INPUT) return "exit " + r.code() + ": " + r.err();
            if (STACK_FRAME.matcher(r.err()).find() || STACK_FRAME.matcher(r.out()).find()) return "stack trace or internal error: " + r.err();
            if (r.code() == LookmCli.EXIT_BAD_INPUT && !namesAFile(r.err(), trace)) return "refusal names no file: " + r.err();
        }
        if (validate.code() == LookmCli.EXIT_OK && replay.code() != LookmCli.EXIT_OK)
            return "validate accepted what replay refused: " + replay.err();
        // replay reads only the parts its policy needs (e.g. not queries.arrow for recorded scores): it may accept a
        // trace validate refuses for a file it never opened, but then its result must be the original's (checked below)
        if (replay.code() == LookmCli.EXIT_OK && !original.equals(result(out)))
            return SILENT + ": exit 0 with a result that differs from the original's";
        return null;
    }

    private static boolean namesAFile(String err, Path trace) {
        if (err.contains(trace.toString())) return true;
        for (String f : TraceMutations.FILES) if (err.contains(f)) return true;
        return false;
    }

    private String replayResult(ExecutorService runner, Path trace, Path out) throws Exception {
        Run r = lookm(runner, "replay", "--trace", trace.toString(), "--policy", "lookm", "--budget", "0.5", "--quiet", "--out", out.toString());
        assertEquals(LookmCli.EXIT_OK, r.code(), r.err());
        return result(out);
    }

    /** The replay's per-layer and per-head-group numbers (full precision), without the comment lines naming the run. */
    private static String result(Path out) throws IOException {
        StringBuilder s = new StringBuilder();
        for (String f : List.of("layers.csv", "head_groups.csv"))
            for (String line : Files.readAllLines(out.resolve(f))) if (!line.startsWith("#")) s.append(line).append('\n');
        return s.toString();
    }

    private static Run lookm(ExecutorService runner, String... args) throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        long[] allocated = new long[1];
        Future<Integer> code = runner.submit(() -> {
            long before = allocatedByThisThread();
            try {
                return LookmCli.run(args, new PrintWriter(out), new PrintWriter(err));
            } finally {
                allocated[0] = allocatedByThisThread() - before;
            }
        });
        try {
            int exit = code.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new Run(exit, out.toString(), err.toString(), allocated[0]);
        } catch (TimeoutException e) {
            code.cancel(true);
            throw new AssertionError("hang: lookm " + String.join(" ", args) + " ran over " + TIMEOUT_SECONDS + " s");
        }
    }

    /** A small trace with probes (replay needs them) and the decode part: L=2, Hq=4, Hkv=2, D=16, T=32 with one 16-token image. */
    private static Path sealedTrace(Path target, long seed) {
        SynthConfig config = SynthConfig.builder().modelName("mutation-suite").shape(2, 4, 2, 16).dtype(CacheDtype.FLOAT16)
                .images(16, 6, 10).sinkTokens(2).prefillQueries(4).probes(3).decode(true).seed(seed).build();
        return new SyntheticTraceGenerator(config).write(target, false);
    }

    /** The same metadata as {@code base}, one key element changed in every layer: only a checksum tells them apart. */
    private static Path twinOf(Path base, Path target) {
        try (TraceReader r = TraceReader.open(base)) {
            List<TraceLayer> layers = new ArrayList<>();
            for (int l = 0; l < r.metadata().layers(); l++) {
                TraceLayer layer = r.layer(l);
                KvBlock b = layer.block();
                float[] keys = b.keys().clone();
                keys[0] += 1;
                layers.add(new TraceLayer(l, new KvBlock(keys, b.values(), b.heads(), b.tokens(), b.headDim(), b.layout()), layer.observation(),
                        layer.decode()));
            }
            return TraceWriter.write(target, r.metadata(), r.layout(), r.tokenIds().orElse(null), layers, false);
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    private static void resetHeapPeaks() { heapPools().forEach(MemoryPoolMXBean::resetPeakUsage); }

    /** Sum of the heap pools' peaks since the reset (an upper bound of the heap in use at any one time). */
    private static long heapPeak() { return heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum(); }

    /** Deletes a mutant's directory, symlinks as links (never what they point to). */
    private static final class AtomicDelete {
        static void tree(Path root) throws IOException {
            if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
            try (var walk = Files.walk(root)) {
                for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
            }
        }
    }
}
