package lookm.bench.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lookm.bench.report.Json;
import lookm.bench.report.OutputDirectory;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.CompressedLayer;
import lookm.spec.tensor.HeadCompression;
import lookm.spec.tensor.LayerContext;
import lookm.spec.tensor.Observation;
import lookm.traces.npy.NumpyExport;
import lookm.traces.read.TraceReader;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TracePart;

/**
 * {@code lookm replay --export-decisions DIR}: what one policy decided on each layer of a trace, for the closed-loop
 * evaluator ({@code python -m lookm_traces.evaluate}, bench/README.md "Decisions"), written atomically:
 * <pre>
 * DIR/decisions.json   the manifest: format and version, policy (name, canonical expression, whether it merges),
 *                      budget, backend, the trace's identity (model, shape, SHA-256 of each of its files), per layer
 *                      its file and the kept count of each KV head
 * DIR/layer-LLL.npz    one layer as {@link NumpyExport#compressedLayer}: kept (H, C) ascending padded -1, kept_count,
 *                      keys / values (H, C, D) float32 (the merged cache), evicted, merge_target, merge_weight
 * DIR/.lookm-output    the marker of a directory lookm wrote
 * </pre>
 * During {@code lookm replay} the replay hands each layer's compression to a {@link Writer} as its cell is committed
 * (the replay's own compressions, not computed again); only layers a resumed replay read back from its cells are
 * compressed here, one at a time, by the job's compressor (the replay's own; compressors are deterministic, which the
 * variant contract checks).
 */
public final class DecisionExport {
    /** The {@code format} value of the manifest. */
    public static final String FORMAT = "lookm-decisions";
    /** Version of this layout; the evaluator refuses others. */
    public static final int VERSION = 1;
    public static final String MANIFEST = "decisions.json";

    private DecisionExport() {}

    /** The file of layer {@code l}. */
    public static String layerFile(int l) { return "layer-%03d.npz".formatted(l); }

    /**
     * Compresses the first {@code layerCount} layers with {@code job} and writes them and the manifest into {@code dir},
     * then commits it.
     *
     * @param header     the manifest's fields that describe the run (policy, budget, backend, trace identity), written first
     * @param profile    the first-pass profile the job's allocation needs ({@link Replay#profile}), or null
     * @return the committed directory
     */
    public static Path write(TraceReader reader, Replay.Job job, int layerCount, double[] profile, Map<String, Object> header, OutputDirectory dir) {
        return new Writer(dir).finish(reader, job, layerCount, profile, header);
    }

    /**
     * Writes the decisions as a replay computes them ({@link #layer}, e.g. from a {@link Replay.LayerSink}), so the
     * replay's own compressions are exported instead of compressed again; {@link #finish} compresses only the layers
     * that were not handed over (the cells a resumed replay read back), writes the manifest and commits.
     */
    public static final class Writer {
        private final OutputDirectory dir;
        private final java.util.SortedMap<Integer, Map<String, Object>> layers = new java.util.TreeMap<>();

        public Writer(OutputDirectory dir) { this.dir = dir; }

        /** Writes layer {@code l}'s decisions, {@code compressed} being the job's compression of it. */
        public void layer(int l, CompressedLayer compressed) {
            NumpyExport.compressedLayer(compressed, dir.resolve(layerFile(l)), false);
            int[] kept = new int[compressed.headCount()];
            int merged = 0;
            for (int h = 0; h < kept.length; h++) {
                HeadCompression head = compressed.head(h);
                kept[h] = head.keptCount();
                merged += head.mergedCount();
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("layer", l);
            entry.put("file", layerFile(l));
            entry.put("keptPerHead", kept);
            entry.put("mergedTokens", merged);
            layers.put(l, entry);
        }

        /**
         * Compresses each of the first {@code layerCount} layers not written yet with {@code job}, one at a time, then
         * writes the manifest and commits the directory.
         *
         * @param header  the manifest's fields that describe the run (policy, budget, backend, trace identity), written first
         * @param profile the first-pass profile the job's allocation needs ({@link Replay#profile}), or null
         * @return the committed directory
         */
        public Path finish(TraceReader reader, Replay.Job job, int layerCount, double[] profile, Map<String, Object> header) {
            TraceMetadata meta = reader.metadata();
            Set<TracePart> parts = EnumSet.copyOf(Replay.parts(List.of(job)));
            parts.remove(TracePart.PROBES);                                                   // fidelity's part, not the policy's
            if (job.compressor().policy().score().needs().contains(Observation.Part.PROBE_QUERIES)) parts.add(TracePart.PROBES);
            for (int l = 0; l < layerCount; l++)
                if (!layers.containsKey(l)) layer(l, compress(job, reader.layer(l, parts), new LayerContext(l, meta.layers(), profile)));
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", FORMAT);
            manifest.put("version", VERSION);
            manifest.putAll(header);
            manifest.put("layers", new ArrayList<>(layers.headMap(layerCount).values()));
            dir.writeString(MANIFEST, Json.write(manifest));
            return dir.commit();
        }
    }

    /** The policy fields of the manifest; {@code merges}: whether kept rows hold merged K/V (the evaluator then writes them back). */
    public static Map<String, Object> policy(PolicySpec policy, String expression) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", policy.name());
        m.put("expression", expression);
        m.put("merges", policy.merge().mergesEvicted());
        return m;
    }

    /** The trace fields of the manifest: what the evaluator checks the decisions against. */
    public static Map<String, Object> trace(TraceReader reader, Map<String, String> sha256) {
        TraceMetadata meta = reader.metadata();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", reader.path().toAbsolutePath().normalize().toString());
        m.put("model", meta.modelName());
        m.put("layers", meta.layers());
        m.put("queryHeads", meta.queryHeads());
        m.put("kvHeads", meta.kvHeads());
        m.put("headDim", meta.headDim());
        m.put("tokens", meta.tokens());
        m.put("architecture", meta.architecture());
        m.put("dtype", meta.dtype().label());
        m.put("sha256", sha256);
        return m;
    }

    private static CompressedLayer compress(Replay.Job job, TraceLayer layer, LayerContext context) {
        try {
            Observation seen = layer.observation().only(job.compressor().policy().score().needs());
            if (job.externalScores() != null) seen = seen.withExternal(job.externalScores().apply(layer.layer()));
            return job.compressor().compress(layer.block(), seen, job.budget(), context);
        } catch (RuntimeException e) {
            throw new Replay.CellFailure(job, layer.layer(), e);
        }
    }
}
