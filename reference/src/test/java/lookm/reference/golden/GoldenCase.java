package lookm.reference.golden;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One golden case produced by the authors' original code, read either from a raw directory as shipped in
 * shared/golden (K.npy, …, one sub-folder per policy) or from the project's packed copy (case.npz written by
 * src/test/python/pack_golden.py, which keeps only the output rows that received merges; the others are exact
 * copies of input rows). Both give the same arrays: inputs as (H, T, D), outputs as (H, C, D) in output order.
 */
final class GoldenCase {
    final String name;
    final String manifest;
    private final Map<String, Npy> arrays = new HashMap<>();
    private final boolean packed;

    private GoldenCase(String name, String manifest, boolean packed) {
        this.name = name;
        this.manifest = manifest;
        this.packed = packed;
    }

    static GoldenCase packed(Path dir) {
        try (ZipFile zip = new ZipFile(dir.resolve("case.npz").toFile())) {
            GoldenCase c = new GoldenCase(dir.getFileName().toString(), Files.readString(dir.resolve("manifest.json")), true);
            for (ZipEntry e : java.util.Collections.list(zip.entries()))
                try (InputStream in = zip.getInputStream(e)) {
                    String key = e.getName().replaceAll("\\.npy$", "");
                    c.arrays.put(key, Npy.read(in, dir + "/" + e.getName()));
                }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GoldenCase raw(Path dir) {
        try {
            GoldenCase c = new GoldenCase(dir.getFileName().toString(), Files.readString(dir.resolve("manifest.json")), false);
            try (var files = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".npy"))::iterator)
                    try (InputStream in = Files.newInputStream(f)) {
                        String key = dir.relativize(f).toString().replace('\\', '/').replaceAll("\\.npy$", "");
                        c.arrays.put(key, Npy.read(in, f.toString()));
                    }
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Npy array(String key) {
        Npy a = arrays.get(key);
        if (a == null) throw new IllegalStateException(name + ": no array " + key);
        return a;
    }

    boolean has(String key) { return arrays.containsKey(key); }

    /** Input shape (H, T, D). */
    int heads() { return intField("H"); }

    int tokens() { return intField("T"); }

    int headDim() { return intField("d"); }

    int intField(String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\s*(\\d+)").matcher(manifest);
        if (!m.find()) throw new IllegalStateException(name + ": manifest has no " + field);
        return Integer.parseInt(m.group(1));
    }

    double doubleField(String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\s*([0-9.eE+-]+)").matcher(manifest);
        if (!m.find()) throw new IllegalStateException(name + ": manifest has no " + field);
        return Double.parseDouble(m.group(1));
    }

    /** The heads the manifest marks ambiguous (equal scores straddle the top-k cut) for a policy. */
    java.util.Set<Integer> ambiguousHeads(String policy) {
        int at = manifest.indexOf("\"" + policy + "\": {");
        Matcher m = Pattern.compile("\"ambiguous_heads\":\\s*\\[([^\\]]*)\\]").matcher(manifest);
        if (at < 0 || !m.find(at)) throw new IllegalStateException(name + ": manifest has no ties for " + policy);
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        for (String s : m.group(1).split(",")) if (!s.isBlank()) out.add(Integer.parseInt(s.trim()));
        return out;
    }

    float[] keys() { return array("K").floats(); }

    float[] values() { return array("V").floats(); }

    /** Output rows (H, C, D) of K_out or V_out, in the original's output order. */
    float[] output(String policy, boolean keys) {
        if (!packed) return array(policy + (keys ? "/K_out" : "/V_out")).floats();
        int[][] kept = array(policy + "/kept_idx").intRows();
        int d = headDim(), t = tokens(), c = kept[0].length;
        float[] input = keys ? keys() : values();
        float[] out = new float[kept.length * c * d];
        for (int h = 0; h < kept.length; h++)
            for (int r = 0; r < c; r++) System.arraycopy(input, (h * t + kept[h][r]) * d, out, (h * c + r) * d, d);
        if (has(policy + "/received")) {
            int[] received = array(policy + "/received").ints();
            float[] rows = array(policy + (keys ? "/K_rows" : "/V_rows")).floats();
            for (int i = 0, n = 0; i < received.length; i++)
                if (received[i] != 0) System.arraycopy(rows, n++ * d, out, i * d, d);
        }
        return out;
    }
}
