package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import lookm.properties.contract.HalfPrecision;
import lookm.properties.gen.Draw;
import lookm.properties.gen.LayoutKind;
import lookm.properties.gen.Source;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.write.TraceWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Property 7: writing a trace then reading it back is the identity for float32 traces, and exactly binary16 rounding
 * (ties to even, {@link HalfPrecision}) of keys, values and queries for float16 traces; accumulated attention, layout,
 * token ids and metadata always come back unchanged.
 */
@ExtendWith(ReplayExtension.class)
class TraceRoundTripProperties {
    /** Traces per run, as a share of -Dlookm.examples (each one is written to and read from disk). */
    static final double SCALE = 0.5;
    static final int MAX_LAYERS = 2, MAX_TOKENS = 24, MAX_PROBES = 2;
    static final List<Integer> HEAD_DIMS = List.of(1, 3, 8);
    /** Binary exponents of generated K/V/query magnitudes: from below binary16's subnormals to near its maximum. */
    static final int MIN_EXPONENT = -27, MAX_EXPONENT = 15;

    @Test
    void writingThenReadingATraceIsTheIdentityOrExactHalfRounding() {
        Theories.check(SCALE, traces(), this::roundTrip);
    }

    /** A generated trace: metadata, layout, optional token ids, and its layers. */
    record Trace(TraceMetadata meta, TokenLayout layout, int[] tokenIds, List<TraceLayer> layers) {
        @Override public String toString() {
            return "Trace " + meta + "\n  layout " + layout + "\n  token ids " + Arrays.toString(tokenIds);
        }
    }

    /** Architecture written for generated layouts with token details (format v2). */
    private static final String VLM_ARCHITECTURE = "lookm-properties/vlm";

    static Draw<Trace> traces() {
        return s -> {
            int layers = s.intBetween(1, MAX_LAYERS), kvHeads = s.intBetween(1, 2), queryHeads = kvHeads * s.intBetween(1, 2);
            int d = s.pick(HEAD_DIMS), t = s.intBetween(1, MAX_TOKENS), w = s.intBetween(0, t), p = s.intBetween(0, MAX_PROBES);
            CacheDtype dtype = s.pick(List.of(CacheDtype.values()));
            TokenLayout layout = s.pick(List.of(LayoutKind.values())).draw(t).draw(s);
            TraceMetadata meta = TraceMetadata.builder("lookm-properties/generated", layers, queryHeads, kvHeads, d, t)
                    .dtype(dtype).prefillQueries(w).probes(p).tokensPerImage(0).source("TraceRoundTripProperties").build();
            if (layout.details() != null) meta = meta.asVersion2(VLM_ARCHITECTURE, layout.details().ropeAxes());   // LayoutKind.VLM: v2
            Source data = s.bulk();
            int[] ids = s.percent(50) ? null : new int[t];
            if (ids != null) for (int i = 0; i < t; i++) ids[i] = (int) data.between(0, Integer.MAX_VALUE, 0);
            List<TraceLayer> out = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                KvBlock block = new KvBlock(vectors(data, kvHeads * t * d), vectors(data, kvHeads * t * d), kvHeads, t, d, layout);
                float[] a = attention(data, queryHeads, t);
                Queries prefill = w == 0 ? null : Queries.contiguous(vectors(data, queryHeads * w * d), queryHeads, d, t - w, w);
                Queries probes = p == 0 ? null : Queries.contiguous(vectors(data, queryHeads * p * d), queryHeads, d, t, p);
                out.add(new TraceLayer(l, block, new Observation(new AccumulatedAttention(a, queryHeads, t), prefill, probes)));
            }
            return new Trace(meta, layout, ids, out);
        };
    }

    /** Values with random sign, binary exponent in [MIN_EXPONENT, MAX_EXPONENT] and all 23 mantissa bits random. */
    private static float[] vectors(Source data, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float mantissa = 1f + (float) (data.between(0, (1 << 23) - 1, 0) * 0x1.0p-23);
            float v = Math.scalb(mantissa, (int) data.between(MIN_EXPONENT, MAX_EXPONENT - 1, 0));
            out[i] = data.percent(50) ? -v : v;
        }
        return out;
    }

    /**
     * Valid accumulated attention with arbitrary bits: per head, non-negative finite float32 patterns scaled to sum to
     * T (the format's rule, FORMAT.md; the scaled values keep random mantissas, subnormals included).
     */
    private static float[] attention(Source data, int queryHeads, int t) {
        float[] a = new float[queryHeads * t];
        for (int h = 0; h < queryHeads; h++) {
            double sum = 0;
            double[] x = new double[t];
            for (int j = 0; j < t; j++) sum += x[j] = Math.abs(anyFloat(data));
            for (int j = 0; j < t; j++) a[h * t + j] = sum > 0 ? (float) (x[j] * t / sum) : 1f;
        }
        return a;
    }

    /** Any finite float32 bit pattern (attention is stored as float32 whatever the cache dtype). */
    private static float anyFloat(Source data) {
        float f;
        do f = Float.intBitsToFloat((int) data.between(Integer.MIN_VALUE, Integer.MAX_VALUE, 0));
        while (!Float.isFinite(f));
        return f;
    }

    private void roundTrip(Trace trace) {
        Path dir = temporaryDirectory();
        try {
            Path written = TraceWriter.write(dir.resolve("trace"), trace.meta(), trace.layout(), trace.tokenIds(), trace.layers(), false);
            boolean half = trace.meta().dtype() == CacheDtype.FLOAT16;
            try (TraceReader reader = TraceReader.open(written)) {
                assertEquals(trace.meta(), reader.metadata(), "metadata");
                assertEquals(trace.layout(), reader.layout(), "layout");
                assertArrayEquals(trace.tokenIds(), reader.tokenIds().orElse(null), "token ids");
                for (TraceLayer expected : trace.layers()) {
                    TraceLayer got = reader.layer(expected.layer());
                    String where = "layer " + expected.layer() + (half ? " (float16)" : " (float32)");
                    assertBits(expected.block().keys(), got.block().keys(), half, where + " keys");
                    assertBits(expected.block().values(), got.block().values(), half, where + " values");
                    assertBits(expected.observation().accumulatedAttention().values(), got.observation().accumulatedAttention().values(), false,
                            where + " accumulated attention");
                    assertQueries(expected.observation().prefillQueries(), got.observation().prefillQueries(), half, where + " prefill queries");
                    assertQueries(expected.observation().probeQueries(), got.observation().probeQueries(), half, where + " probe queries");
                }
            }
        } finally {
            delete(dir);
        }
    }

    private static void assertQueries(Queries expected, Queries got, boolean half, String what) {
        if (expected == null) {
            assertEquals(null, got, what + " must be absent");
            return;
        }
        assertArrayEquals(expected.positions(), got.positions(), what + " positions");
        assertBits(expected.data(), got.data(), half, what);
    }

    /** Bit-for-bit equality with the written values, or with their binary16 rounding. */
    private static void assertBits(float[] written, float[] read, boolean half, String what) {
        float[] expected = half ? HalfPrecision.round(written) : written;
        for (int i = 0; i < expected.length; i++)
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(read[i]))
                throw new AssertionError(what + "[" + i + "]: wrote " + written[i] + ", read " + read[i] + ", expected " + expected[i]
                        + (half ? " (binary16 rounding, ties to even)" : " (float32: identical bits)"));
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("lookm-trace-roundtrip");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
