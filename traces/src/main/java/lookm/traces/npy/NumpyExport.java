package lookm.traces.npy;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.KvBlock;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.write.AtomicDirectory;
import lookm.traces.write.ExitCleanup;
import lookm.traces.write.OutputGuard;

/**
 * Exports to NumPy, as an {@code .npz} (path ending in .npz) or a directory of {@code .npy} files; written under
 * a temporary name then renamed, never over an existing file unless asked. A compressed layer (H KV heads, C_h
 * kept per head, C = max C_h, P = max evicted):
 * <pre>
 * kept          (H, C)    int32    kept positions, ascending, padded with -1
 * kept_count    (H,)      int32    C_h
 * keys, values  (H, C, D) float32  the merged cache, zero-padded past C_h
 * evicted       (H, P)    int32    evicted positions, padded with -1
 * merge_target  (H, P)    int32    index into kept each evicted row was merged into, -1 if dropped
 * merge_weight  (H, P)    float32  its coefficient in the merged numerator, 0 if dropped
 * </pre>
 */
public final class NumpyExport {
    private NumpyExport() {}
    private static final int PAD = -1;
    private static final String NPZ = ".npz", NPY = ".npy";
    /** Bytes buffered between the zip stream and the file. */
    private static final int IO_BUFFER = 1 << 20;

    /** An array to write: int32 or float32 data with its shape. */
    private record Array(Object data, long[] shape) {}

    public static Path compressedLayer(CompressedLayer layer, Path out, boolean overwrite) {
        return compressedLayer(layer, out, overwrite, List.of());
    }

    /**
     * One compressed layer as NumPy arrays at {@code out} (a {@code .npz} file, else a directory of {@code .npy} files),
     * refusing an {@code out} that equals, contains or lies inside one of {@code inputs} (see {@link #write}).
     */
    public static Path compressedLayer(CompressedLayer layer, Path out, boolean overwrite, List<Path> inputs) {
        int h = layer.headCount(), d = layer.headDim(), c = 0, p = 0;
        for (HeadCompression hc : layer.heads()) {
            c = Math.max(c, hc.keptCount());
            p = Math.max(p, hc.evicted().length);
        }
        int[] kept = new int[h * c], count = new int[h], evicted = new int[h * p], target = new int[h * p];
        float[] keys = new float[h * c * d], values = new float[h * c * d], weight = new float[h * p];
        Arrays.fill(kept, PAD);
        Arrays.fill(evicted, PAD);
        Arrays.fill(target, PAD);
        for (int i = 0; i < h; i++) {
            HeadCompression hc = layer.head(i);
            count[i] = hc.keptCount();
            System.arraycopy(hc.kept(), 0, kept, i * c, hc.keptCount());
            System.arraycopy(hc.keys(), 0, keys, i * c * d, hc.keys().length);
            System.arraycopy(hc.values(), 0, values, i * c * d, hc.values().length);
            System.arraycopy(hc.evicted(), 0, evicted, i * p, hc.evicted().length);
            System.arraycopy(hc.mergeTarget(), 0, target, i * p, hc.evicted().length);
            System.arraycopy(hc.mergeWeight(), 0, weight, i * p, hc.evicted().length);
        }
        Map<String, Array> arrays = new LinkedHashMap<>();
        arrays.put("kept", new Array(kept, new long[] {h, c}));
        arrays.put("kept_count", new Array(count, new long[] {h}));
        arrays.put("keys", new Array(keys, new long[] {h, c, d}));
        arrays.put("values", new Array(values, new long[] {h, c, d}));
        arrays.put("evicted", new Array(evicted, new long[] {h, p}));
        arrays.put("merge_target", new Array(target, new long[] {h, p}));
        arrays.put("merge_weight", new Array(weight, new long[] {h, p}));
        return write(arrays, out, overwrite, inputs);
    }

    /** An uncompressed layer: keys, values (H, T, D) float32 and image_ids (T,) int32. */
    public static Path kvBlock(KvBlock block, Path out, boolean overwrite) {
        Map<String, Array> arrays = new LinkedHashMap<>();
        long[] shape = {block.heads(), block.tokens(), block.headDim()};
        arrays.put("keys", new Array(block.keys(), shape));
        arrays.put("values", new Array(block.values(), shape));
        arrays.put("image_ids", new Array(block.layout().imageIds(), new long[] {block.tokens()}));
        return write(arrays, out, overwrite, List.of());
    }

    /**
     * Writes under a temporary name, then moves into place. A directory output follows {@link OutputGuard} (and gets
     * its marker); an {@code .npz} output is never an input, and an existing one is replaced only with
     * {@code overwrite} and only if it is an npz archive (a zip of {@code .npy} entries).
     */
    private static Path write(Map<String, Array> arrays, Path out, boolean overwrite, List<Path> inputs) {
        Path target = out.toAbsolutePath().normalize();
        boolean npz = target.toString().endsWith(NPZ);
        if (npz) requireReplaceableNpz(target, overwrite, inputs);
        else OutputGuard.requireSafe(target, overwrite, inputs);
        Path temp = AtomicDirectory.stagingName(target);
        // Ctrl-C / SIGTERM while writing removes the staging file; one left by kill -9 is removed by the next export here
        Thread cleanup = ExitCleanup.register("lookm-export-cleanup", () -> AtomicDirectory.deleteRetrying(temp));
        try {
            Files.createDirectories(target.getParent());
            if (npz) writeNpz(arrays, temp);
            else writeDirectory(arrays, temp);
            if (Files.exists(target)) AtomicDirectory.deleteRecursively(target);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            AtomicDirectory.deleteRecursively(temp);
            throw new UncheckedIOException("cannot write " + target, e);
        } finally {
            ExitCleanup.cancel(cleanup);
        }
    }

    private static void requireReplaceableNpz(Path target, boolean overwrite, List<Path> inputs) {
        OutputGuard.requireApartFromInputs(target, inputs);
        if (!Files.exists(target)) return;
        if (!overwrite) throw TraceFormatException.in(target, "already exists; refusing to overwrite it without --overwrite");
        if (!Files.isRegularFile(target) || !isNpz(target))
            throw TraceFormatException.in(target, "exists and is not an npz archive of .npy arrays; --overwrite replaces only an npz file:"
                    + " choose another --out");
    }

    /** Whether {@code file} is a zip archive whose entries are all {@code .npy} arrays. */
    private static boolean isNpz(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() == 0) return false;
            return zip.stream().allMatch(e -> !e.isDirectory() && e.getName().endsWith(NPY));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * An npz as NumPy's {@code np.savez} writes it: each array a STORED (uncompressed) zip entry, so writing costs a copy
     * and a CRC, not a deflate of float data that barely compresses (about 11 s for one LLaVA-7B layer's merged K/V).
     */
    private static void writeNpz(Map<String, Array> arrays, Path file) throws IOException {
        // the file stream is its own resource: ZipOutputStream.close() does not close it when finishing fails (disk full)
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), IO_BUFFER); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (var e : arrays.entrySet()) {
                ExposedBytes npy = new ExposedBytes();
                writeArray(npy, e.getValue());
                CRC32 crc = new CRC32();
                crc.update(npy.buffer(), 0, npy.size());
                ZipEntry entry = new ZipEntry(e.getKey() + NPY);
                entry.setMethod(ZipEntry.STORED);        // a stored entry declares its size and CRC before its data
                entry.setSize(npy.size());
                entry.setCompressedSize(npy.size());
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(npy.buffer(), 0, npy.size());
                zip.closeEntry();
            }
        }
    }

    /** A byte buffer whose array is read in place (no copy of a layer-sized array). */
    private static final class ExposedBytes extends ByteArrayOutputStream {
        byte[] buffer() { return buf; }
    }

    private static void writeDirectory(Map<String, Array> arrays, Path dir) throws IOException {
        Files.createDirectory(dir);
        OutputGuard.writeMarker(dir, OutputGuard.COMPLETE);
        for (var e : arrays.entrySet())
            try (OutputStream os = Files.newOutputStream(dir.resolve(e.getKey() + NPY))) {
                writeArray(os, e.getValue());
            }
    }

    private static void writeArray(OutputStream os, Array a) throws IOException {
        if (a.data() instanceof float[] f) NpyWriter.floats(os, f, a.shape());
        else NpyWriter.ints(os, (int[]) a.data(), a.shape());
    }
}
