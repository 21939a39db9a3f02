package lookm.bench.timing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;
import lookm.accelerated.cl.KernelSource;

/**
 * The float32 matrix-multiply yardstick of {@code lookm bench} on an OpenCL device (lookm/bench/kernels/matmul_baseline.cl):
 * per head, C = Q·Kᵀ over the causal blocks only, i.e. the same multiply-adds as one pass of the score stage's causal
 * Q·Kᵀ, with the score kernels' register tiling and no softmax. The score stage's time divided by this one is the
 * ratio the bench prints (issue 15's target: at most 1.3).
 */
public final class MatmulBaseline {
    private static final String KERNEL = "lookm/bench/kernels/matmul_baseline.cl";
    private static final long SEED = 1L;

    private MatmulBaseline() {}

    /** Causal multiply-adds of one head's (T × D)·(T × D)ᵀ, as FLOP: 2·D·T(T+1)/2. */
    public static double causalFlop(int heads, int tokens, int dim) { return (double) heads * dim * tokens * (tokens + 1.0); }

    /**
     * The fastest of {@code repeats} runs (after one warm-up) of the causal Q·Kᵀ of {@code heads} heads of (T, D),
     * in seconds, T rounded up to the tiling (the padding rows are computed too, as in the score kernels).
     */
    public static double causalSeconds(ClContext cl, int heads, int tokens, int dim, int repeats) {
        if (heads < 1 || tokens < 1 || dim < 1 || repeats < 1)
            throw new IllegalArgumentException("matmul baseline needs heads, tokens, dim, repeats >= 1, were " + heads + ", " + tokens + ", " + dim + ", " + repeats);
        int padded = cl.tiling().padded(tokens);
        java.util.Random random = new java.util.Random(SEED);
        float[] aT = new float[padded * dim], b = new float[padded * dim];
        for (int i = 0; i < aT.length; i++) aT[i] = random.nextFloat();
        for (int i = 0; i < b.length; i++) b[i] = random.nextFloat();
        double best = Double.POSITIVE_INFINITY;
        try (ClBuffer ab = cl.upload(aT); ClBuffer bb = cl.upload(b); ClBuffer c = cl.allocateFloats((long) padded * padded);
             ClKernel k = cl.program("matmul_baseline", source(), cl.tiling().options(dim)).kernel("matmul_causal")) {
            k.arg(ab).arg(bb).arg(padded).arg(padded).arg(c);
            for (int r = 0; r <= repeats; r++) {
                long t0 = System.nanoTime();
                for (int h = 0; h < heads; h++) k.launch(new long[] {padded / cl.tiling().lanes()}, null);   // one head's Q·Kᵀ per launch
                cl.finish();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (r > 0) best = Math.min(best, seconds);
            }
        }
        return best;
    }

    private static String source() {
        try (InputStream in = MatmulBaseline.class.getClassLoader().getResourceAsStream(KERNEL)) {
            if (in == null) throw new IllegalStateException(KERNEL + " is not on the classpath");
            return KernelSource.withHeaders(new String(in.readAllBytes(), StandardCharsets.UTF_8), KERNEL);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + KERNEL, e);
        }
    }
}
