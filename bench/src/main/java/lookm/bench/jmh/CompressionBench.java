package lookm.bench.jmh;

import java.util.concurrent.TimeUnit;
import lookm.bench.backend.Backends;
import lookm.bench.timing.SyntheticLayer;
import lookm.bench.timing.Validation;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;
import lookm.spec.invariant.Agreement;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Scores;
import lookm.spec.tensor.Selection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each stage (score, select, merge) and the whole compression of one synthetic layer (H, T, D), per policy, backend
 * and size. The trial setup compresses once on the backend and on the reference and refuses to time a backend
 * whose result differs ({@link Validation}): wrong code is never timed. Run through the app:
 * <pre>java -jar bench/target/lookm.jar jmh CompressionBench -p backend=reference,opencl -p tokens=1024</pre>
 * (LLaVA-7B's layer: {@code -p heads=32 -p tokens=4096}; a GPU: {@code -p device=gpu}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Djava.awt.headless=true"})
public class CompressionBench {
    /** Head dimension of LLaVA-7B (and most LLaMA-family models). */
    static final int HEAD_DIM = 128;
    static final double HEAVY_RATIO = 0.1, RECENT_RATIO = 0.1;

    /** A registry name; the default covers LOOK-M, its budgeted variant, the merge variants and the H2O baseline. */
    @Param({"lookm", "lookm-budgeted", "h2o-pivot", "h2o-average", "h2o-weighted", "h2o"})
    public String policy;

    @Param({"reference", "opencl"})
    public String backend;

    /** OpenCL device for backend=opencl: cpu, gpu or platform:device. */
    @Param({"cpu"})
    public String device;

    @Param({"1024", "4096"})
    public int tokens;

    @Param({"8"})
    public int heads;

    private Backend opened;
    private Compressor compressor;
    private KvBlock block;
    private Observation observation;
    private Budget budget;
    private Scores scores;
    private Selection selection;

    @Setup(Level.Trial)
    public void setUp() {
        SyntheticLayer layer = SyntheticLayer.make(heads, tokens, HEAD_DIM, SyntheticLayer.DEFAULT_SEED);
        block = layer.block();
        observation = layer.observation();
        budget = Budget.ratios(HEAVY_RATIO, RECENT_RATIO);
        opened = Backends.open(backend, Backends.OPENCL.equals(backend) ? device : null);
        compressor = opened.compressor(Policies.parse(policy));
        // validate first: refuse to time a backend whose result differs from the reference's
        Compressor.Stages stages = compressor.run(block, observation, budget);
        Agreement v = Validation.compare(compressor, block, new ReferenceBackend().compressor(Policies.parse(policy)).run(block, observation, budget), stages);
        if (!v.agrees())
            throw new IllegalStateException("refusing to time " + backend + " on " + policy + ": " + v.detail());
        scores = stages.scores();
        selection = stages.selection();
    }

    @TearDown(Level.Trial)
    public void tearDown() { opened.close(); }

    @Benchmark
    public Scores score() { return compressor.scorer().score(block, observation, budget); }

    @Benchmark
    public Selection select() { return compressor.selector().select(scores, block.layout(), budget); }

    @Benchmark
    public CompressedLayer merge() { return compressor.merger().merge(block, selection); }

    @Benchmark
    public CompressedLayer compress() { return compressor.compress(block, observation, budget); }
}
