package lookm.accelerated.tools;

import lookm.accelerated.cl.ClBuffer;
import lookm.accelerated.cl.ClContext;
import lookm.accelerated.cl.ClKernel;

/**
 * A float32 matrix-multiply rate on an OpenCL device (matmul_baseline.cl: C = A·Bᵀ, A (M, D), B (N, D), the shape of
 * one head's Q·Kᵀ), with the same register tiling as the score kernels. A yardstick for SpeedCheck.
 */
public final class MatmulBaseline {
    private MatmulBaseline() {}

    /** Best GFLOP/s of {@code repeats} runs of (m × dim) · (n × dim)ᵀ, after one warm-up. */
    public static double gflops(ClContext cl, int m, int n, int dim, int repeats) {
        java.util.Random random = new java.util.Random(1);
        float[] a = new float[m * dim], b = new float[n * dim];
        for (int i = 0; i < a.length; i++) a[i] = random.nextFloat();
        for (int i = 0; i < b.length; i++) b[i] = random.nextFloat();
        float[] aT = new float[a.length];
        for (int i = 0; i < m; i++) for (int d = 0; d < dim; d++) aT[d * m + i] = a[i * dim + d];
        double best = 0;
        try (ClBuffer ab = cl.upload(aT); ClBuffer bb = cl.upload(b); ClBuffer c = cl.allocateFloats((long) m * n);
             ClKernel k = cl.program("matmul_baseline", cl.tiling().options(dim)).kernel("matmul_transposed")) {
            k.arg(ab).arg(bb).arg(m).arg(n).arg(c);
            for (int r = 0; r <= repeats; r++) {
                long t0 = System.nanoTime();
                k.launch(new long[] {m / cl.tiling().lanes()}, null);
                cl.finish();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (r > 0) best = Math.max(best, 2.0 * m * n * dim / seconds / 1e9);
            }
        }
        return best;
    }
}
