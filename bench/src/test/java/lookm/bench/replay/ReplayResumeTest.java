package lookm.bench.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.CacheDtype;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SyntheticTraceGenerator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A resumed replay computes only the cells it does not hold: in a layer where one job finished and another did not, the
 * finished job is neither compressed nor measured again, on every pipeline (sequential, read-ahead, worker threads), and
 * the results equal an uninterrupted run's.
 */
class ReplayResumeTest {
    static final SynthConfig CONFIG = SynthConfig.builder().shape(3, 4, 2, 16).dtype(CacheDtype.FLOAT32)
            .images(SynthConfig.Builder.MOBILEVLM_TOKENS_PER_IMAGE, 10, 20).probes(4).seed(3).build();
    private static final Budget BUDGET = Budget.ratios(0.1, 0.1);
    private static final int LAYERS = 3, HELD_LAYER = 1;

    @TempDir Path dir;

    @ParameterizedTest(name = "prefetch {0}, threads {1}")
    @CsvSource({"0, 1", "1, 1", "1, 2"})
    void aPartlyDoneLayerRecomputesOnlyItsMissingCells(int prefetch, int threads) throws IOException {
        Path trace = new SyntheticTraceGenerator(CONFIG).write(dir.resolve("trace"), false);
        Path out = dir.resolve("out");
        AtomicInteger[] calls = {new AtomicInteger(), new AtomicInteger()};
        List<Replay.Job> jobs = List.of(job("h2o", calls[0]), job("recent", calls[1]));
        Replay.Pipeline pipeline = new Replay.Pipeline(prefetch, threads);
        Replay.Run full;
        try (TraceReader reader = TraceReader.open(trace)) {
            full = Replay.run(reader, jobs, LAYERS, store(out), (l, j) -> { }, pipeline);
        }
        assertEquals(LAYERS, calls[0].get());
        assertEquals(LAYERS, calls[1].get());
        // interrupted: every cell of layer 0, only the first job's cell of layer HELD_LAYER, nothing of the last layer
        Files.delete(out.resolve(CellStore.name(1, jobs.get(1), HELD_LAYER)));
        Files.delete(out.resolve(CellStore.name(0, jobs.get(0), LAYERS - 1)));
        Files.delete(out.resolve(CellStore.name(1, jobs.get(1), LAYERS - 1)));
        calls[0].set(0);
        calls[1].set(0);
        Replay.Run resumed;
        try (TraceReader reader = TraceReader.open(trace)) {
            resumed = Replay.run(reader, jobs, LAYERS, store(out), (l, j) -> { }, pipeline);
        }
        assertEquals(1, calls[0].get(), "compressions of the job whose cell of layer " + HELD_LAYER + " was kept");
        assertEquals(2, calls[1].get(), "compressions of the job missing layers " + HELD_LAYER + " and " + (LAYERS - 1));
        for (int j = 0; j < jobs.size(); j++)
            assertEquals(full.results().get(j).layers(), resumed.results().get(j).layers(), "fidelity of job " + j);
    }

    /** A reference compressor of {@code policy} whose score stage counts its calls. */
    static Replay.Job job(String policy, AtomicInteger calls) {
        Compressor c = new ReferenceBackend().compressor(Policies.named(policy));
        Compressor counted = new Compressor(c.policy(), (block, observation, budget) -> {
            calls.incrementAndGet();
            return c.scorer().score(block, observation, budget);
        }, c.selector(), c.merger(), c.allocator());
        return new Replay.Job(policy, 0.2, counted, BUDGET);
    }

    static CellStore store(Path root) {
        return new CellStore(root, (name, content) -> {
            try {
                Path file = root.resolve(name);
                Files.createDirectories(file.getParent());
                Files.writeString(file, content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
