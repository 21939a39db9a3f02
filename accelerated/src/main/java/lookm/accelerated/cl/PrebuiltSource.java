package lookm.accelerated.cl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code .cl} file rewritten to the calling convention of TornadoVM's prebuilt tasks, so the kernels this module
 * ships run unchanged on that host (the optional {@code tornadovm} module). Every {@code __kernel} of the file gets:
 * <ol>
 *   <li>TornadoVM's four leading parameters (kernel context, constant region, local region, atomics);</li>
 *   <li>each {@code __global T* p} passed as the raw array object, {@code __global uchar* p_tvm}, and {@code p}
 *       re-declared at the top of the body as {@code (__global T*)(p_tvm + header)} (a TornadoVM array's data starts
 *       after its header);</li>
 *   <li>each {@code __local T* p} argument (sized by the host at launch) turned into a kernel-scope
 *       {@code __local T p_tvm[bytes / sizeof(T)]}, its size the macro {@link #localMacro} set by the host's build
 *       options;</li>
 *   <li>scalar parameters unchanged.</li>
 * </ol>
 * The bodies are not touched: the same source computes the same values on both hosts.
 */
public final class PrebuiltSource {
    /** Size of a local-memory argument when the host does not set it (kernels of the file that are not launched). */
    public static final int DEFAULT_LOCAL_BYTES = 64;
    private static final String LEADING = "__global long *_kernel_context, __constant uchar *_constant_region, "
            + "__local uchar *_local_region, __global int *_atomics";
    private static final Pattern KERNEL = Pattern.compile("__kernel\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*\\{");
    private static final Pattern POINTER = Pattern.compile("^(.*?)\\b(__global|__local)\\b(.*?)\\*\\s*(?:restrict\\s+)?(\\w+)$");
    private static final Pattern SCALAR = Pattern.compile("^(?:const\\s+)?\\w+\\s+(\\w+)$");

    /** How a kernel parameter travels. */
    public enum Kind {
        /** A {@code __global} buffer the kernel writes (copied back after the launch). */
        GLOBAL,
        /** A {@code __global const} buffer (not copied back). */
        GLOBAL_CONST,
        /** A {@code __local} argument: not a TornadoVM parameter, a build-time size. */
        LOCAL,
        /** A scalar passed by value. */
        SCALAR
    }

    /** One parameter of the original signature, in order. */
    public record Parameter(String name, Kind kind) {}

    private final String source;
    private final Map<String, List<Parameter>> kernels;

    private PrebuiltSource(String source, Map<String, List<Parameter>> kernels) {
        this.source = source;
        this.kernels = kernels;
    }

    /**
     * Rewrites {@code source} (headers already inlined, named {@code file} in errors).
     *
     * @param headerBytes bytes before the data of a TornadoVM array (16 with compressed oops)
     * @throws IllegalArgumentException if a kernel parameter is not of a form this rewrite knows
     */
    public static PrebuiltSource rewrite(String file, String source, long headerBytes) {
        Matcher m = KERNEL.matcher(source);
        StringBuilder out = new StringBuilder("#define LOOKM_TVM_HEADER " + headerBytes + "\n");
        Map<String, List<Parameter>> kernels = new LinkedHashMap<>();
        while (m.find()) {
            String kernel = m.group(1);
            List<Parameter> parameters = new ArrayList<>();
            StringBuilder signature = new StringBuilder(LEADING), prelude = new StringBuilder(), macros = new StringBuilder();
            for (String raw : m.group(2).split(",")) {
                String p = raw.trim().replaceAll("\\s+", " ");
                Matcher ptr = POINTER.matcher(p);
                Matcher scalar = SCALAR.matcher(p);
                if (ptr.matches()) {
                    String type = (ptr.group(1) + ptr.group(3)).trim().replaceAll("\\s+", " "), name = ptr.group(4);
                    if (ptr.group(2).equals("__global")) {
                        boolean constant = type.startsWith("const ") || type.endsWith(" const");
                        parameters.add(new Parameter(name, constant ? Kind.GLOBAL_CONST : Kind.GLOBAL));
                        signature.append(", __global uchar* ").append(name).append("_tvm");
                        prelude.append("    __global ").append(type).append("* ").append(name).append(" = (__global ").append(type)
                                .append("*)(").append(name).append("_tvm + LOOKM_TVM_HEADER);\n");
                    } else {
                        parameters.add(new Parameter(name, Kind.LOCAL));
                        String macro = localMacro(kernel, name);
                        macros.append("#ifndef ").append(macro).append("\n#define ").append(macro).append(' ').append(DEFAULT_LOCAL_BYTES)
                                .append("\n#endif\n");
                        prelude.append("    __local ").append(type).append(' ').append(name).append("_tvm[").append(macro)
                                .append(" / sizeof(").append(type).append(")];\n    __local ").append(type).append("* ").append(name)
                                .append(" = ").append(name).append("_tvm;\n");
                    }
                } else if (scalar.matches()) {
                    parameters.add(new Parameter(scalar.group(1), Kind.SCALAR));
                    signature.append(", ").append(p);
                } else {
                    throw new IllegalArgumentException(file + ": kernel " + kernel + ": parameter '" + p + "' is neither a scalar nor a "
                            + "__global or __local pointer");
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(macros + "__kernel void " + kernel + "(" + signature + ") {\n" + prelude));
            kernels.put(kernel, List.copyOf(parameters));
        }
        m.appendTail(out);
        return new PrebuiltSource(out.toString(), kernels);
    }

    /** The macro that sizes {@code __local} argument {@code parameter} of {@code kernel}, in bytes. */
    public static String localMacro(String kernel, String parameter) { return "LOOKM_LOCAL_" + kernel + "_" + parameter; }

    /** The rewritten source. */
    public String source() { return source; }

    /** The original parameters of {@code kernel}. @throws IllegalArgumentException if the file has no such kernel */
    public List<Parameter> parameters(String kernel) {
        List<Parameter> p = kernels.get(kernel);
        if (p == null) throw new IllegalArgumentException("no __kernel " + kernel + " in this file; kernels: " + kernels.keySet());
        return p;
    }
}
