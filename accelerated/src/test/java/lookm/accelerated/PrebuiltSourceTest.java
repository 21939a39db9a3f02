package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lookm.accelerated.cl.KernelSource;
import lookm.accelerated.cl.PrebuiltSource;
import lookm.accelerated.cl.PrebuiltSource.Kind;
import lookm.accelerated.cl.PrebuiltSource.Parameter;
import lookm.accelerated.cl.Tiling;
import org.junit.jupiter.api.Test;

/** The rewrite to TornadoVM's prebuilt calling convention: exact text on a small kernel; every shipped file compiles. */
class PrebuiltSourceTest {
    private static final long HEADER = 16;
    private static final int HEAD_DIM = 64;

    @Test
    void eachParameterKindIsRewrittenAndTheBodyIsKept() {
        String cl = "__kernel void k(__global const float* in, const int n, __global uchar* out, __local int* scratch) {\n    out[0] = in[n];\n}\n";
        PrebuiltSource p = PrebuiltSource.rewrite("t.cl", cl, HEADER);
        assertEquals(List.of(new Parameter("in", Kind.GLOBAL_CONST), new Parameter("n", Kind.SCALAR), new Parameter("out", Kind.GLOBAL),
                new Parameter("scratch", Kind.LOCAL)), p.parameters("k"));
        String s = p.source();
        assertTrue(s.startsWith("#define LOOKM_TVM_HEADER 16\n"), s);
        assertTrue(s.contains("__kernel void k(__global long *_kernel_context, __constant uchar *_constant_region, __local uchar *_local_region, "
                + "__global int *_atomics, __global uchar* in_tvm, const int n, __global uchar* out_tvm) {\n"), s);
        assertTrue(s.contains("    __global const float* in = (__global const float*)(in_tvm + LOOKM_TVM_HEADER);\n"), s);
        assertTrue(s.contains("    __global uchar* out = (__global uchar*)(out_tvm + LOOKM_TVM_HEADER);\n"), s);
        assertTrue(s.contains("#ifndef LOOKM_LOCAL_k_scratch\n#define LOOKM_LOCAL_k_scratch " + PrebuiltSource.DEFAULT_LOCAL_BYTES + "\n#endif\n"), s);
        assertTrue(s.contains("    __local int scratch_tvm[LOOKM_LOCAL_k_scratch / sizeof(int)];\n    __local int* scratch = scratch_tvm;\n"), s);
        assertTrue(s.endsWith("    out[0] = in[n];\n}\n"), s);
    }

    @Test
    void anUnknownParameterFormIsRefusedNamingFileAndKernel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrebuiltSource.rewrite("odd.cl", "__kernel void odd(__constant float* table) { }", HEADER));
        assertTrue(e.getMessage().contains("odd.cl") && e.getMessage().contains("kernel odd") && e.getMessage().contains("__constant"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PrebuiltSource.rewrite("t.cl", "__kernel void a(int x) { }", HEADER).parameters("b"));
    }

    /** Every shipped kernel file rewrites with one entry per {@code __kernel}, and the result builds on the OpenCL device. */
    @Test
    void everyShippedKernelFileRewritesAndBuilds() throws IOException, URISyntaxException {
        List<String> files = shippedKernelFiles();
        assertTrue(files.size() > 10, "kernel files found: " + files);
        for (String file : files) {
            String source = KernelSource.load(file);
            PrebuiltSource p = PrebuiltSource.rewrite(file + ".cl", source, HEADER);
            java.util.regex.Matcher m = Pattern.compile("__kernel\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)").matcher(source);
            int kernels = 0;
            while (m.find()) {
                kernels++;
                assertEquals(m.group(2).split(",").length, p.parameters(m.group(1)).size(), file + ": " + m.group(1) + ": one entry per parameter");
            }
            assertTrue(kernels > 0, file + ": has kernels");
            assertEquals(kernels, p.source().split("__global long \\*_kernel_context").length - 1, file + ": every kernel takes TornadoVM's leading parameters");
        }
        OpenClBackend backend = OpenClTestSupport.backend();
        for (String file : files)
            backend.context().program("prebuilt:" + file, PrebuiltSource.rewrite(file + ".cl", KernelSource.load(file), HEADER).source(),
                    Tiling.CPU.options(HEAD_DIM));
    }

    private static List<String> shippedKernelFiles() throws IOException, URISyntaxException {
        List<String> files = new java.util.ArrayList<>();
        for (java.net.URL url : java.util.Collections.list(PrebuiltSourceTest.class.getClassLoader().getResources(KernelSource.FOLDER))) {
            Path root = Path.of(url.toURI());
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(f -> f.toString().endsWith(".cl") && !f.getFileName().toString().startsWith("broken_"))
                        .map(f -> root.relativize(f).toString().replace('\\', '/').replaceAll("\\.cl$", "")).forEach(files::add);
            }
        }
        return files.stream().sorted().toList();
    }
}
