package lookm.bench.replay;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import lookm.bench.fidelity.DecodeFidelity;
import lookm.bench.fidelity.Metrics;
import lookm.spec.decode.DecodeSchedule;
import lookm.spec.decode.DecodeStream;
import lookm.spec.policy.Compressor;
import lookm.spec.tensor.HeadGroups;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.DecodeTokens;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TracePart;
import lookm.traces.schema.TraceSchema;

/**
 * Decode-phase streaming replay (SPEC.md §9; kvpress {@code DecodingPress}): per layer, the prompt's cache is compressed
 * to the cap, then the trace's generated tokens (its decode part: their K/V; their queries: the probes) are appended one
 * by one, each attending over the streamed cache, and every N tokens each KV head's cache is compressed back to the cap
 * ({@link DecodeStream}). Fidelity is measured at every step against the full cache (prompt + generated so far), and the
 * cap invariant (I18) is checked at every step and after every compression. One layer in memory at a time.
 */
public final class DecodeReplay {
    private DecodeReplay() {}

    /**
     * One generated token of one layer: where the cache stood when its query attended (after its append, before the
     * step's compression) and the fidelity, mean over the Hq query heads.
     *
     * @param rowsMin          fewest rows of a KV head at that moment
     * @param rowsMax          most rows of a KV head at that moment (I18: ≤ C + sinceCompression)
     * @param sinceCompression k, generated tokens since the last compression, this one included
     * @param compressedAfter  whether the stream compressed after this step
     */
    public record Step(int layer, int step, int position, int rowsMin, int rowsMax, int sinceCompression, boolean compressedAfter, Metrics mean) {}

    /** One layer: its steps, its compressions (the prompt's included) and the most rows any head held after one. */
    public record Layer(int layer, List<Step> steps, int compressions, int rowsAfterPromptCompression, int maxRowsAfterCompression,
                        long compressNanos) {}

    /** The whole run. */
    public record Result(String policy, DecodeSchedule schedule, List<Layer> layers) {
        /** Mean over every (layer, step). */
        public Metrics overall() {
            Metrics.Mean m = new Metrics.Mean();
            for (Layer l : layers) for (Step s : l.steps()) m.add(s.mean());
            return m.mean();
        }

        /** Per step, the mean over layers. */
        public List<Metrics> perStep() {
            List<Metrics> out = new ArrayList<>();
            for (int s = 0; s < layers.get(0).steps().size(); s++) {
                Metrics.Mean m = new Metrics.Mean();
                for (Layer l : layers) m.add(l.steps().get(s).mean());
                out.add(m.mean());
            }
            return out;
        }

        /** The most rows any KV head of any layer held at any step (I18 bound: C + N). */
        public int maxRowsAtAnyStep() {
            int max = 0;
            for (Layer l : layers) for (Step s : l.steps()) max = Math.max(max, s.rowsMax());
            return max;
        }

        /** The most rows any KV head held right after a compression (I18 bound: C). */
        public int maxRowsAfterCompression() {
            int max = 0;
            for (Layer l : layers) max = Math.max(max, l.maxRowsAfterCompression());
            return max;
        }

        public long compressNanos() { return layers.stream().mapToLong(Layer::compressNanos).sum(); }
    }

    /** @throws IllegalArgumentException naming the trace when it has no decode part */
    public static void requireDecode(TraceReader reader) {
        if (!reader.metadata().hasDecode())
            throw new IllegalArgumentException(reader.path() + ": the trace has no decode part (" + TraceSchema.DECODE_FILE + ", "
                    + TraceSchema.KEY_DECODE_STEPS + "): --decode-every replays generated tokens; record the trace with --probes N (the recorder"
                    + " stores the generated tokens' keys and values) or generate one with 'lookm trace synth --probes N --decode'");
    }

    /**
     * Streams the first {@code layerCount} layers through {@code compressor} on {@code schedule}.
     *
     * @param done called after each layer
     * @throws IllegalArgumentException for a trace without a decode part, a policy the cap cannot hold, or a failing
     *                                  compression (naming the layer and step)
     */
    public static Result run(TraceReader reader, Compressor compressor, DecodeSchedule schedule, int layerCount, IntConsumer done) {
        TraceMetadata meta = reader.metadata();
        if (layerCount < 1 || layerCount > meta.layers())
            throw new IllegalArgumentException("--layers must be in [1, " + meta.layers() + "] for " + reader.path() + ", was " + layerCount);
        requireDecode(reader);
        DecodeSchedule.requireBounded(compressor.policy());
        Set<TracePart> parts = EnumSet.of(TracePart.KV, TracePart.ATTENTION, TracePart.PROBES, TracePart.DECODE);
        if (compressor.policy().score().needs().contains(Observation.Part.PREFILL_QUERIES)) parts.add(TracePart.PREFILL_QUERIES);
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < layerCount; l++) {
            layers.add(layer(reader.layer(l, parts), compressor, schedule, meta));
            done.accept(l);
        }
        return new Result(compressor.policy().name(), schedule, layers);
    }

    private static Layer layer(TraceLayer layer, Compressor compressor, DecodeSchedule schedule, TraceMetadata meta) {
        int l = layer.layer(), hkv = meta.kvHeads(), hq = meta.queryHeads(), d = meta.headDim(), steps = meta.decodeSteps();
        DecodeTokens generated = layer.decode();
        Queries probes = layer.observation().probeQueries();
        HeadGroups groups = new HeadGroups(hq, hkv);
        long t0 = System.nanoTime(), compressNanos;
        DecodeStream stream;
        try {
            stream = new DecodeStream(compressor, schedule, layer.block(), layer.observation(), LayerContext.of(l, meta.layers()), steps, hq);
        } catch (RuntimeException e) {
            throw failure(compressor, l, "the prompt's compression", e);
        }
        compressNanos = System.nanoTime() - t0;
        int afterPrompt = 0;
        for (int h = 0; h < hkv; h++) afterPrompt = Math.max(afterPrompt, stream.size(h));
        int maxAfter = afterPrompt;
        List<Step> out = new ArrayList<>();
        float[] keys = new float[hkv * d], values = new float[hkv * d], queries = new float[hq * d];
        for (int s = 0; s < steps; s++) {
            // (1)-(3) append generated token s and let its queries attend
            for (int h = 0; h < hkv; h++) {
                System.arraycopy(generated.keys(), generated.offset(h, s), keys, h * d, d);
                System.arraycopy(generated.values(), generated.offset(h, s), values, h * d, d);
            }
            for (int qh = 0; qh < hq; qh++) System.arraycopy(probes.data(), probes.offset(qh, s), queries, qh * d, d);
            try {
                stream.append(keys, values, queries);
            } catch (RuntimeException e) {
                throw failure(compressor, l, "generated token " + (meta.tokens() + s), e);
            }
            // fidelity of this step against the full cache, mean over the query heads
            Metrics.Mean mean = new Metrics.Mean();
            int rowsMin = Integer.MAX_VALUE, rowsMax = 0;
            for (int h = 0; h < hkv; h++) {
                rowsMin = Math.min(rowsMin, stream.size(h));
                rowsMax = Math.max(rowsMax, stream.size(h));
            }
            for (int qh = 0; qh < hq; qh++)
                mean.add(DecodeFidelity.step(queries, qh * d, layer.block(), generated, s, groups.kvHeadOf(qh), stream));
            int since = stream.sinceCompression();
            // (4) compress when due
            long c0 = System.nanoTime();
            boolean compressed;
            try {
                compressed = stream.compressIfDue();
            } catch (RuntimeException e) {
                throw failure(compressor, l, "the compression after generated token " + (meta.tokens() + s), e);
            }
            compressNanos += System.nanoTime() - c0;
            if (compressed) for (int h = 0; h < hkv; h++) maxAfter = Math.max(maxAfter, stream.size(h));
            out.add(new Step(l, s, meta.tokens() + s, rowsMin, rowsMax, since, compressed, mean.mean()));
        }
        return new Layer(l, out, stream.compressions(), afterPrompt, maxAfter, compressNanos);
    }

    private static IllegalArgumentException failure(Compressor compressor, int layer, String where, RuntimeException cause) {
        return new IllegalArgumentException("policy " + compressor.policy().name() + ", layer " + layer + ", " + where + ": " + cause.getMessage(), cause);
    }
}
