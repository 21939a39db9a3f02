package lookm.spec.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lookm.spec.tensor.ScorePrecision;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * TorchCpuOrder and ScorePrecision.BF16 against the real thing: Debian's python3-torch 1.13 (CI installs it) computes
 * topk and argsort of thousands of tie-heavy vectors with NaN and infinities, the bfloat16 rounding of score-like
 * values and the released penalty added in bfloat16 (src/test/python/torch_cpu_order_cases.py); every returned index
 * and bit pattern must match, in order. Skips visibly where no python3 with torch 1.13 is found
 * (-Dlookm.torch.python=PATH to name one).
 */
class TorchCpuOrderTest {
    static final String PYTHON_PROPERTY = "lookm.torch.python";
    static final Path SCRIPT = Paths.get("src/test/python/torch_cpu_order_cases.py");
    static final int CASES = 3000;
    static final long SEED = 12;
    static final int TIMEOUT_SECONDS = 300;
    /** Values shown in a failure message. */
    static final int SHOWN = 40;

    @Test
    void reproducesTorch113CpuTopkAndArgsortOnTieHeavyVectors() throws Exception {
        String python = torchPython();
        Assumptions.assumeTrue(python != null, "no python3 with torch 1.13 (apt-get install python3-torch, or -D" + PYTHON_PROPERTY
                + "=PATH): TorchCpuOrder was NOT checked against torch");
        Path out = Files.createDirectories(Paths.get("target")).resolve("torch-cpu-order-cases.txt");
        Process p = new ProcessBuilder(python, SCRIPT.toString(), out.toString(), Long.toString(SEED), Integer.toString(CASES))
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "torch case generator timed out");
        assertEquals(0, p.exitValue(), "torch case generator failed: " + log);
        int checked = 0, partialSort = 0, withTies = 0, bf16 = 0;
        try (BufferedReader in = Files.newBufferedReader(out)) {
            for (String header; (header = in.readLine()) != null; checked++) {
                String[] h = header.split(" ");
                int k = Integer.parseInt(h[1]), n = Integer.parseInt(h[2]);
                float[] x = floats(in.readLine(), n);
                int[] expected = ints(in.readLine(), k);
                int[] got = switch (h[0]) {
                    case "topk" -> TorchCpuOrder.topk(x, k);
                    case "argsort" -> TorchCpuOrder.argsortDescending(x);
                    case "bf16" -> bits(x, ScorePrecision::toBf16);
                    case "bf16-penalised" -> bits(x, v -> ScorePrecision.BF16.penalised(ScorePrecision.toBf16(v), Policies.TEXT_PRIOR_PENALTY));
                    default -> throw new IllegalStateException("unknown case kind " + h[0]);
                };
                if (h[0].startsWith("bf16")) bf16++;
                String what = "case " + checked + ": " + header + " values " + Arrays.toString(Arrays.copyOf(x, Math.min(n, SHOWN))) + (n > SHOWN ? "..." : "");
                assertArrayEquals(expected, got, what);
                if (h[0].equals("topk") && (long) k * TorchCpuOrder.PARTIAL_SORT_RATIO <= n) partialSort++;
                if (hasTies(x)) withTies++;
            }
        }
        assertEquals(CASES, checked, "cases read");
        assertTrue(partialSort > CASES / 20, "too few partial_sort cases: " + partialSort);
        assertTrue(withTies > CASES / 2, "too few tie-heavy cases: " + withTies);
        assertTrue(bf16 > CASES / 4, "too few bfloat16 cases: " + bf16);
    }

    @Test
    void breaksTiesDifferentlyFromPositionOrder() {
        float[] x = new float[40];
        Arrays.fill(x, 1f);
        int[] torch = TorchCpuOrder.argsortDescending(x);
        int[] byPosition = new int[x.length];
        for (int i = 0; i < x.length; i++) byPosition[i] = i;
        assertTrue(!Arrays.equals(byPosition, torch), "40 equal values: introsort is not stable");
        int[] sorted = torch.clone();
        Arrays.sort(sorted);
        assertArrayEquals(byPosition, sorted, "argsort is a permutation");
    }

    @Test
    void ranksNaNFirstAndRejectsBadK() {
        assertArrayEquals(new int[] {1, 2}, TorchCpuOrder.topk(new float[] {0f, Float.NaN, 3f}, 2));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> TorchCpuOrder.topk(new float[3], 4));
        assertTrue(e.getMessage().contains("[0, 3]"), e.getMessage());
    }

    private interface FloatOp { float apply(float x); }

    private static int[] bits(float[] x, FloatOp f) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) out[i] = Float.floatToRawIntBits(f.apply(x[i]));
        return out;
    }

    private static boolean hasTies(float[] x) {
        float[] s = x.clone();
        Arrays.sort(s);
        for (int i = 1; i < s.length; i++) if (Float.compare(s[i], s[i - 1]) == 0) return true;
        return false;
    }

    private static float[] floats(String line, int n) {
        String[] parts = line.split(" ");
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat(Integer.parseInt(parts[i]));
        return out;
    }

    private static int[] ints(String line, int n) {
        if (n == 0) return new int[0];
        return Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    /** A python3 that imports torch 1.13: the configured one, Debian's /usr/bin/python3, or python3 on the PATH. */
    static String torchPython() throws InterruptedException {
        List<String> candidates = new ArrayList<>();
        String configured = System.getProperty(PYTHON_PROPERTY);
        if (configured != null) candidates.add(configured);
        candidates.add("/usr/bin/python3");
        candidates.add("python3");
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import torch,sys; sys.exit(0 if torch.__version__.startswith('1.13') else 3)")
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0) return c;
            } catch (IOException e) {
                // not installed under this name: try the next
            }
        }
        return null;
    }
}
