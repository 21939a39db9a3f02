package lookm.traces.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Import from arrays NumPy wrote (tiny.npz, by traces/python/make_npz_fixture.py) and export back to .npy/.npz. */
class NumpyInteropTest {
    @TempDir Path dir;

    private Path fixture() throws IOException {
        Path npz = dir.resolve("tiny.npz");
        try (InputStream in = getClass().getResourceAsStream("/lookm/traces/npy/tiny.npz")) {
            Files.copy(in, npz);
        }
        return npz;
    }

    @Test
    void importsTheNumpyWrittenFixtureWithItsClosedFormValues() throws IOException {
        Path trace = NumpyImport.importTrace(fixture(), dir.resolve("trace"), NumpyImport.Options.defaults("tiny-npz"), false);
        try (TraceReader r = TraceReader.open(trace)) {
            var m = r.metadata();
            assertEquals(List.of(2, 4, 2, 8, 4, 2, 3, 3), List.of(m.layers(), m.queryHeads(), m.kvHeads(), m.tokens(), m.headDim(),
                    m.prefillQueries(), m.probes(), m.tokensPerImage()));
            assertEquals(CacheDtype.FLOAT16, m.dtype(), "float16 keys keep float16 storage");
            assertEquals("T=8 [text 2, image#0 3, text 3]", r.layout().toString());
            assertArrayEquals(new int[] {1, 5, 32000, 32000, 32000, 7, 8, 9}, r.tokenIds().orElseThrow());
            for (int l = 0; l < 2; l++) checkLayer(r.layer(l));
        }
    }

    private static void checkLayer(TraceLayer layer) {
        int l = layer.layer();
        var b = layer.block();
        for (int h = 0; h < 2; h++)
            for (int t = 0; t < 8; t++)
                for (int d = 0; d < 4; d++) {
                    assertEquals((((l * 7 + h * 5 + t * 3 + d) % 11) - 5) / 4f, b.keys()[b.offset(h, t) + d]);
                    assertEquals((((l * 3 + h * 2 + t * 5 + d * 7) % 13) - 6) / 8f, b.values()[b.offset(h, t) + d]);
                }
        var a = layer.observation().accumulatedAttention();
        for (int h = 0; h < 4; h++)
            for (int t = 0; t < 8; t++) assertEquals(1 + (7 / 2f - t) * (l + h + 1) / 64f, a.at(h, t));
        var window = layer.observation().prefillQueries();
        assertArrayEquals(new int[] {6, 7}, window.positions());
        assertEquals((l + 3 + 1 + 2) / 16f, window.data()[window.offset(3, 1) + 2]);
        var probes = layer.observation().probeQueries();
        assertArrayEquals(new int[] {8, 9, 12}, probes.positions());
        assertEquals(-(l + 2 + 2 + 3) / 16f, probes.data()[probes.offset(2, 2) + 3]);
    }

    @Test
    void importRejectsArraysWhoseShapesDisagree() throws IOException {
        Path arrays = Files.createDirectory(dir.resolve("arrays"));
        write(arrays, "keys", new float[2 * 2 * 3 * 4], 2, 2, 3, 4);
        write(arrays, "values", new float[2 * 2 * 3 * 4], 2, 2, 3, 4);
        write(arrays, "accumulated_attention", new float[2 * 2 * 4], 2, 2, 4);
        try (var os = Files.newOutputStream(arrays.resolve("image_ids.npy"))) {
            NpyWriter.ints(os, new int[] {-1, 0, 0}, 3);
        }
        NpyException e = assertThrows(NpyException.class,
                () -> NumpyImport.importTrace(arrays, dir.resolve("t"), NumpyImport.Options.defaults("x"), false));
        assertTrue(e.getMessage().contains("accumulated_attention.npy has shape (2, 2, 4), expected (2, 2, 3)"), e.getMessage());
    }

    /** Arrays of a 1-layer trace (Hq = Hkv = 1, T = 3, D = 2) with P = 2 probes; element i of an array is base + i / 8. */
    private Path decodeArrays(String name) throws IOException {
        Path arrays = Files.createDirectory(dir.resolve(name));
        write(arrays, "keys", ramp(6, 0), 1, 1, 3, 2);
        write(arrays, "values", ramp(6, 1), 1, 1, 3, 2);
        write(arrays, "accumulated_attention", new float[] {1.5f, 1f, 0.5f}, 1, 1, 3);
        write(arrays, "probe_queries", ramp(4, 2), 1, 1, 2, 2);
        try (var os = Files.newOutputStream(arrays.resolve("image_ids.npy"))) {
            NpyWriter.ints(os, new int[] {-1, 0, 0}, 3);
        }
        return arrays;
    }

    private static float[] ramp(int n, int base) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = base + i / 8f;
        return out;
    }

    @Test
    void importsTheDecodePart() throws IOException {
        Path arrays = decodeArrays("decode");
        write(arrays, "decode_keys", ramp(4, 3), 1, 1, 2, 2);
        write(arrays, "decode_values", ramp(4, 4), 1, 1, 2, 2);
        Path trace = NumpyImport.importTrace(arrays, dir.resolve("trace"), NumpyImport.Options.defaults("x"), false);
        assertTrue(Files.exists(trace.resolve("decode.arrow")), "the decode part is written");
        try (TraceReader r = TraceReader.open(trace)) {
            assertEquals(2, r.metadata().decodeSteps());
            var decode = r.decode(0).orElseThrow();
            assertEquals(3, decode.firstPosition());
            assertArrayEquals(ramp(4, 3), decode.keys());
            assertArrayEquals(ramp(4, 4), decode.values());
        }
    }

    @Test
    void importRefusesAHalfOrMisplacedDecodePart() throws IOException {
        Path half = decodeArrays("half");
        write(half, "decode_keys", ramp(4, 3), 1, 1, 2, 2);
        NpyException e = assertThrows(NpyException.class, () -> NumpyImport.importTrace(half, dir.resolve("t1"), NumpyImport.Options.defaults("x"), false));
        assertTrue(e.getMessage().contains("needs both 'decode_keys' and 'decode_values'"), e.getMessage());
        Path three = decodeArrays("three");
        write(three, "decode_keys", ramp(6, 3), 1, 1, 3, 2);
        write(three, "decode_values", ramp(6, 4), 1, 1, 3, 2);
        e = assertThrows(NpyException.class, () -> NumpyImport.importTrace(three, dir.resolve("t2"), NumpyImport.Options.defaults("x"), false));
        assertTrue(e.getMessage().contains("decode_keys.npy holds S=3 generated tokens: the decode part needs probe_queries with P = S"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("t2")), "nothing written");
    }

    @Test
    void importNamesAMissingLayout() throws IOException {
        Path arrays = Files.createDirectory(dir.resolve("arrays"));
        write(arrays, "keys", new float[4], 1, 1, 1, 4);
        NpyException e = assertThrows(NpyException.class,
                () -> NumpyImport.importTrace(arrays, dir.resolve("t"), NumpyImport.Options.defaults("x"), false));
        assertTrue(e.getMessage().contains("needs 'image_ids' (T,) or 'image_mask' (T,)"), e.getMessage());
    }

    @Test
    void npyReaderRejectsTruncatedDataAndUnsupportedTypes() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NpyWriter.floats(bytes, new float[] {1, 2, 3, 4}, 4);
        byte[] truncated = Arrays.copyOf(bytes.toByteArray(), bytes.size() - 3);
        try (NpyReader r = new NpyReader(new java.io.ByteArrayInputStream(truncated), "x.npy")) {
            NpyException e = assertThrows(NpyException.class, () -> r.readFloats(new float[4], 0, 4));
            assertTrue(e.getMessage().contains("x.npy: truncated"), e.getMessage());
        }
        byte[] bigEndian = new String(bytes.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", ">f4")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        NpyException e = assertThrows(NpyException.class, () -> new NpyReader(new java.io.ByteArrayInputStream(bigEndian), "y.npy"));
        assertTrue(e.getMessage().contains("dtype '>f4' is not supported"), e.getMessage());
        // a header that lies about the shape is refused against the stream's known length, before any allocation
        byte[] lying = new String(bytes.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1).replace("(4,)", "(99)")   // same length: the header stays well-formed
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        e = assertThrows(NpyException.class, () -> new NpyReader(new java.io.ByteArrayInputStream(lying), "z.npy", lying.length));
        assertTrue(e.getMessage().contains("z.npy: header shape (99) announces 396 bytes of data, the file holds"), e.getMessage());
    }

    @Test
    void exportsACompressedLayerToNpzAndToADirectory() {
        // head 0 keeps {0, 2} and merges 1 into index 0; head 1 keeps {1} and drops {0, 2}
        HeadCompression h0 = new HeadCompression(new int[] {0, 2}, new int[] {1}, new int[] {0}, new float[] {0.9f},
                new int[] {0}, new float[] {0.5f}, new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8});
        HeadCompression h1 = HeadCompression.dropped(new int[] {1}, new int[] {0, 2}, new float[] {9, 10}, new float[] {11, 12});
        CompressedLayer layer = new CompressedLayer(List.of(h0, h1), 3, 2, TokenLayout.allText(3));
        for (String name : List.of("layer.npz", "layer-npy")) {
            Path out = NumpyExport.compressedLayer(layer, dir.resolve(name), false);
            try (NumpySource src = NumpySource.open(out)) {
                assertArrayEquals(new int[] {0, 2, 1, -1}, ints(src, "kept", 2, 2));
                assertArrayEquals(new int[] {2, 1}, ints(src, "kept_count", 2));
                assertArrayEquals(new float[] {1, 2, 3, 4, 9, 10, 0, 0}, floats(src, "keys", 2, 2, 2));
                assertArrayEquals(new float[] {5, 6, 7, 8, 11, 12, 0, 0}, floats(src, "values", 2, 2, 2));
                assertArrayEquals(new int[] {1, -1, 0, 2}, ints(src, "evicted", 2, 2));
                assertArrayEquals(new int[] {0, -1, -1, -1}, ints(src, "merge_target", 2, 2));
            }
            assertThrows(IllegalArgumentException.class, () -> NumpyExport.compressedLayer(layer, out, false), "no overwrite");
        }
        // stored, as np.savez writes: every entry uncompressed, its size and CRC declared
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("layer.npz").toFile())) {
            assertEquals(7, zip.size());
            zip.stream().forEach(e -> assertEquals(java.util.zip.ZipEntry.STORED, e.getMethod(), e.getName()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int[] ints(NumpySource src, String name, long... shape) {
        try (NpyReader r = src.reader(name)) {
            assertArrayEquals(shape, r.header().shape(), name);
            return r.readInts(Math.toIntExact(r.header().elements()));
        }
    }

    private static float[] floats(NumpySource src, String name, long... shape) {
        try (NpyReader r = src.reader(name)) {
            assertArrayEquals(shape, r.header().shape(), name);
            float[] out = new float[Math.toIntExact(r.header().elements())];
            r.readFloats(out, 0, out.length);
            return out;
        }
    }

    private static void write(Path dir, String name, float[] data, long... shape) throws IOException {
        try (var os = Files.newOutputStream(dir.resolve(name + ".npy"))) {
            NpyWriter.floats(os, data, shape);
        }
    }
}
