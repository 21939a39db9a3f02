package lookm.accelerated.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import lookm.accelerated.OpenClBackend;
import lookm.reference.ReferenceBackend;
import lookm.spec.invariant.Agreement;
import lookm.spec.policy.Compressor;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSource;
import lookm.spec.tensor.Budget;

/**
 * Validate first, then time (llm.c style): one LLaVA-7B layer (32 heads, T = 4096, D = 128, seeded), LOOK-M
 * (text prior + pivot merge) with scores recomputed from the prefill queries, budget 0.1 + 0.1. Runs the
 * reference once and the OpenCL pipeline on the chosen device, refuses to report timings if the results do not
 * agree (the spec's {@link Agreement} rule), then prints per-stage times, the speed-up, the score kernels' GFLOP/s and two float32
 * matrix-multiply yardsticks measured in the same run (the same tiling on the device; NumPy/OpenBLAS if python3
 * has numpy). Lives in test sources because it needs the reference (a test-scope dependency).
 *
 * <pre>
 * mvn -o -q -pl accelerated test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/acc.cp -Dmdep.includeScope=test
 * java -Xmx8g -cp accelerated/target/test-classes:accelerated/target/classes:$(cat /tmp/acc.cp) lookm.accelerated.tools.SpeedCheck [device=cpu] [repeats=3]
 * </pre>
 */
public final class SpeedCheck {
    private static final int MATMUL_REPEATS = 3;

    private SpeedCheck() {}

    public static void main(String[] args) throws Exception {
        String device = args.length > 0 ? args[0] : "cpu";
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int heads = SyntheticLayer.LLAVA_HEADS, tokens = SyntheticLayer.LLAVA_TOKENS, dim = SyntheticLayer.LLAVA_HEAD_DIM;
        PolicySpec policy = Policies.named("lookm").withScoreSource(ScoreSource.RECOMPUTED);
        Budget budget = Budget.ratios(SyntheticLayer.RATIO, SyntheticLayer.RATIO);
        SyntheticLayer layer = SyntheticLayer.llava(heads, tokens, dim, SyntheticLayer.SEED);
        System.out.printf(Locale.ROOT, "layer H=%d T=%d D=%d %s, policy %s (%s), budget %s%n", heads, tokens, dim, layer.block().layout(),
                policy.name(), policy.parameters(), budget);
        try (OpenClBackend backend = OpenClBackend.open(device)) {
            System.out.println("device: " + backend.device());
            System.out.println("machine load average before the run: " + loadAverage());
            Compressor ours = backend.compressor(policy);
            StageTimer.Timed first = StageTimer.run(ours, layer.block(), layer.observation(), budget);
            System.out.println("opencl first run (kernel builds included): " + first.times());
            // (1) the reference, once (it is the slow side), then validation before any timing is reported
            Compressor ref = new ReferenceBackend().compressor(policy);
            StageTimer.Timed expected = StageTimer.run(ref, layer.block(), layer.observation(), budget);
            validate(layer, policy, expected, first);
            // (2) timings
            StageTimer.StageTimes median = StageTimer.median(ours, layer.block(), layer.observation(), budget, repeats);
            StageTimer.StageTimes opencl = StageTimer.best(ours, layer.block(), layer.observation(), budget, repeats);
            System.out.println("reference (1 run):        " + expected.times());
            System.out.println("opencl (median of " + repeats + "):     " + median);
            System.out.println("opencl (best of " + repeats + "):       " + opencl);
            System.out.printf(Locale.ROOT, "speed-up (median): end-to-end %.1fx%n", expected.times().total() / median.total());
            System.out.printf(Locale.ROOT, "speed-up (best): end-to-end %.1fx, score %.1fx, select %.1fx, merge+gather %.1fx%n",
                    expected.times().total() / opencl.total(), expected.times().score() / opencl.score(),
                    expected.times().select() / opencl.select(), expected.times().merge() / opencl.merge());
            // (3) rates: the causal logits once (useful work) and as executed (two passes: log-sum-exp, column sums)
            double causalPairs = (double) tokens * (tokens + 1) / 2;
            double useful = 2.0 * dim * causalPairs * heads / 1e9, executed = 2 * useful;
            double matmul = MatmulBaseline.gflops(backend.context(), tokens, tokens, dim, MATMUL_REPEATS);
            System.out.printf(Locale.ROOT, "score stage: %.1f GFLOP useful (causal q.k once) -> %.1f GFLOP/s; %.1f GFLOP executed (2 passes) -> %.1f GFLOP/s%n",
                    useful, useful / opencl.score(), executed, executed / opencl.score());
            System.out.printf(Locale.ROOT, "float32 matmul on the same device (same tiling, %dx%d . %dx%d^T): %.1f GFLOP/s -> score stage executes at %.0f%% of it%n",
                    tokens, dim, tokens, dim, matmul, 100 * executed / opencl.score() / matmul);
            double blas = numpyGflops(tokens, dim);
            if (blas > 0)
                System.out.printf(Locale.ROOT, "float32 matmul NumPy/OpenBLAS (same shape, all cores): %.1f GFLOP/s -> score stage executes at %.0f%% of it%n",
                        blas, 100 * executed / opencl.score() / blas);
            else System.out.println("NumPy/OpenBLAS yardstick: python3 with numpy not available");
        }
    }

    /** /proc/loadavg's first three fields (other work on the machine skews the timings), or "unknown". */
    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " on " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void validate(SyntheticLayer layer, PolicySpec policy, StageTimer.Timed expected, StageTimer.Timed actual) {
        Agreement agreement = Agreement.of(layer.block(), expected.scores(), actual.scores(), expected.layer(), actual.layer(),
                policy.select().textRanksFirst(), policy.merge().meanSimilarityFilter());
        if (!agreement.agrees()) throw new IllegalStateException("refusing to time: " + agreement);
        System.out.println("agreement with the reference: " + agreement);
    }

    /** (n × dim)·(dim × n) float32 in NumPy (OpenBLAS), best of a few runs, or −1 if python3/numpy is missing. */
    private static double numpyGflops(int n, int dim) throws InterruptedException {
        String script = "import numpy as np, time\n"
                + "a=np.random.rand(" + n + "," + dim + ").astype(np.float32); b=np.random.rand(" + n + "," + dim + ").astype(np.float32)\n"
                + "a@b.T\nbest=1e9\n"
                + "for _ in range(5):\n t=time.perf_counter(); a@b.T; best=min(best,time.perf_counter()-t)\n"
                + "print(2.0*" + n + "*" + n + "*" + dim + "/best/1e9)\n";
        try {
            Process p = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroy();
                return -1;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 ? Double.parseDouble(out) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
