package lookm.traces.write;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenDetails;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.AttentionSums;
import lookm.traces.schema.DecodeTokens;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceLayer;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TraceSchema;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * Writes a trace layer by layer (memory: one layer), atomically. Usage:
 * <pre>
 * try (TraceWriter w = TraceWriter.create(dir, metadata, layout, tokenIds, false)) {
 *     for (int l = 0; l &lt; metadata.layers(); l++) w.write(layerFor(l));
 * }   // all L layers written: committed (renamed into place); otherwise the temporary files are deleted
 * </pre>
 * Layers must come in order 0..L-1 and carry exactly the parts the metadata announces.
 */
public final class TraceWriter implements AutoCloseable {
    private static final byte[] TEXT = TraceSchema.MODALITY_TEXT.getBytes(StandardCharsets.UTF_8);
    private static final byte[] IMAGE = TraceSchema.MODALITY_IMAGE.getBytes(StandardCharsets.UTF_8);

    private final TraceMetadata meta;
    private final TokenLayout layout;
    private final AtomicDirectory directory;
    private final BufferAllocator allocator = new RootAllocator();
    private final ArrowSink kv;
    private final ArrowSink attention;
    private final ArrowSink queries;
    private final ArrowSink probes;
    private final ArrowSink decode;
    private int nextLayer;
    private final IntegrityWriter.Written layoutWritten;

    private TraceWriter(TraceMetadata meta, TokenLayout layout, int[] tokenIds, AtomicDirectory directory) {
        this.meta = meta;
        this.layout = layout;
        this.directory = directory;
        Path tmp = directory.temp();
        ArrowSink[] sinks = new ArrowSink[5];
        try {
            try (ArrowSink layoutSink = new ArrowSink(tmp.resolve(TraceSchema.LAYOUT_FILE), TraceSchema.layout(meta, tokenIds != null), allocator)) {
                layoutSink.batch(meta.tokens(), root -> fillLayout(root, tokenIds));
                layoutWritten = new IntegrityWriter.Written(TraceSchema.LAYOUT_FILE, layoutSink.rows(), layoutSink.batches());
            }
            sinks[0] = new ArrowSink(tmp.resolve(TraceSchema.KV_FILE), TraceSchema.kv(meta), allocator);
            sinks[1] = new ArrowSink(tmp.resolve(TraceSchema.ATTENTION_FILE), TraceSchema.attention(meta), allocator);
            if (meta.hasPrefillQueries())
                sinks[2] = new ArrowSink(tmp.resolve(TraceSchema.QUERIES_FILE), TraceSchema.queries(meta, TraceSchema.QUERIES_FILE), allocator);
            if (meta.hasProbes())
                sinks[3] = new ArrowSink(tmp.resolve(TraceSchema.PROBES_FILE), TraceSchema.queries(meta, TraceSchema.PROBES_FILE), allocator);
            if (meta.hasDecode())
                sinks[4] = new ArrowSink(tmp.resolve(TraceSchema.DECODE_FILE), TraceSchema.kv(meta, TraceSchema.DECODE_FILE), allocator);
        } catch (RuntimeException e) {
            // a start that fails part way (a full disk) closes the files it had opened before the caller aborts
            for (ArrowSink sink : sinks) {
                if (sink == null) continue;
                try {
                    sink.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            try {
                allocator.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);            // never let a cleanup error hide the real one
            }
            throw e;
        }
        kv = sinks[0];
        attention = sinks[1];
        queries = sinks[2];
        probes = sinks[3];
        decode = sinks[4];
    }

    /**
     * Starts a trace at {@code dir} (a directory, created on commit).
     *
     * @param tokenIds  (T) vocabulary ids of the prompt, or null when unknown
     * @param overwrite replace an existing trace at {@code dir}; otherwise an existing one is an error
     */
    public static TraceWriter create(Path dir, TraceMetadata meta, TokenLayout layout, int[] tokenIds, boolean overwrite) {
        return create(dir, meta, layout, tokenIds, overwrite, List.of());
    }

    /**
     * As {@link #create(Path, TraceMetadata, TokenLayout, int[], boolean)}, refusing a {@code dir} that equals, contains
     * or lies inside one of {@code inputs} (the files the trace is made from; see {@link OutputGuard}).
     */
    public static TraceWriter create(Path dir, TraceMetadata meta, TokenLayout layout, int[] tokenIds, boolean overwrite,
                                     List<Path> inputs) {
        if (layout.size() != meta.tokens())
            throw TraceFormatException.in(dir, "the layout covers " + layout.size() + " tokens, the metadata says T=" + meta.tokens());
        if (tokenIds != null && tokenIds.length != meta.tokens())
            throw TraceFormatException.in(dir, "token ids has " + tokenIds.length + " entries, the metadata says T=" + meta.tokens());
        LayoutChecks.requireImageSize(dir, layout, meta.tokensPerImage());
        if (!meta.isVersion2() && layout.details() != null)
            throw TraceFormatException.in(dir, "the layout has v2 token details (modality, tiles, frames, RoPE positions): write it "
                    + "as a version-2 trace (TraceMetadata.asVersion2)");
        int axes = layout.details() != null ? layout.details().ropeAxes() : 1;
        if (meta.isVersion2() && axes != meta.ropeAxes())
            throw TraceFormatException.in(dir, "the layout has " + axes + "-axis RoPE positions, the metadata says rope_axes = " + meta.ropeAxes());
        AtomicDirectory directory = AtomicDirectory.begin(dir, overwrite, inputs);
        try {
            return new TraceWriter(meta, layout, tokenIds, directory);
        } catch (RuntimeException e) {
            directory.abort();
            throw e;
        }
    }

    /** Writes a whole trace from an iterable of layers (in order). */
    public static Path write(Path dir, TraceMetadata meta, TokenLayout layout, int[] tokenIds, Iterable<TraceLayer> layers,
                             boolean overwrite) {
        try (TraceWriter w = create(dir, meta, layout, tokenIds, overwrite)) {
            for (TraceLayer layer : layers) w.write(layer);
            return w.commit();
        }
    }

    private void fillLayout(VectorSchemaRoot root, int[] tokenIds) {
        IntVector position = (IntVector) root.getVector(TraceSchema.COL_POSITION);
        VarCharVector modality = (VarCharVector) root.getVector(TraceSchema.COL_MODALITY);
        IntVector image = (IntVector) root.getVector(TraceSchema.COL_IMAGE_INDEX);
        IntVector ids = (IntVector) root.getVector(TraceSchema.COL_TOKEN_ID);
        if (meta.isVersion2()) {
            fillLayoutV2(root, position, modality, image);
        } else {
            for (int t = 0; t < meta.tokens(); t++) {
                position.set(t, t);
                ArrowSink.utf8(modality, t, layout.isImage(t) ? IMAGE : TEXT);
                image.set(t, layout.imageIndex(t));
            }
        }
        if (ids != null) for (int t = 0; t < meta.tokens(); t++) ids.set(t, tokenIds[t]);
    }

    /** v2: the layout's token details, or the defaults of a text / image layout (TokenDetails.of). */
    private void fillLayoutV2(VectorSchemaRoot root, IntVector position, VarCharVector modality, IntVector image) {
        TokenDetails d = layout.details() != null ? layout.details() : TokenDetails.of(layout.imageIds());
        IntVector video = (IntVector) root.getVector(TraceSchema.COL_VIDEO_INDEX);
        IntVector tile = (IntVector) root.getVector(TraceSchema.COL_TILE_INDEX);
        IntVector frame = (IntVector) root.getVector(TraceSchema.COL_FRAME_INDEX);
        IntVector[] rope = new IntVector[TokenDetails.ROPE_ROWS];
        for (int r = 0; r < rope.length; r++) rope[r] = (IntVector) root.getVector(TraceSchema.COL_ROPE.get(r));
        for (int t = 0; t < meta.tokens(); t++) {
            position.set(t, t);
            ArrowSink.utf8(modality, t, d.modality(t).label().getBytes(StandardCharsets.UTF_8));
            image.set(t, d.image(t));
            video.set(t, d.video(t));
            tile.set(t, d.tile(t));
            frame.set(t, d.frame(t));
            for (int r = 0; r < rope.length; r++) rope[r].set(t, d.ropePosition(r, t));
        }
    }

    /** Writes the next layer; its index must be the number of layers written so far. */
    public void write(TraceLayer layer) {
        if (directory.finished()) throw new IllegalStateException("trace already committed or aborted: " + directory.target());
        if (layer.layer() != nextLayer || nextLayer >= meta.layers())
            throw where("got layer " + layer.layer() + ", expected layer " + nextLayer + " of L=" + meta.layers() + " (layers are written in order)");
        writeKv(layer.block());
        writeAttention(layer.observation().accumulatedAttention());
        if (queries != null) writeQueries(queries, layer.observation().prefillQueries(), "prefill queries", meta.tokens() - meta.prefillQueries(), meta.prefillQueries());
        else requireAbsent(layer.observation().prefillQueries(), "prefill queries", "prefillQueries = 0");
        if (probes != null) writeQueries(probes, layer.observation().probeQueries(), "probe queries", -1, meta.probes());
        else requireAbsent(layer.observation().probeQueries(), "probe queries", "probes = 0");
        if (decode != null) writeDecode(layer.decode(), layer.observation().probeQueries());
        else if (layer.decode() != null) throw where("layer " + nextLayer + " carries a decode part but the metadata says decodeSteps = 0");
        nextLayer++;
    }

    /** The decode part: one batch per layer, (kv_head, position) order, positions T..T+S-1 (the probes' positions). */
    private void writeDecode(DecodeTokens generated, Queries probeQueries) {
        int t = meta.tokens(), s = meta.decodeSteps();
        if (generated == null) throw where("layer " + nextLayer + " has no decode part but the metadata announces decodeSteps = " + s);
        if (generated.kvHeads() != meta.kvHeads() || generated.steps() != s || generated.headDim() != meta.headDim() || generated.firstPosition() != t)
            throw where("layer " + nextLayer + " decode part is (Hkv=" + generated.kvHeads() + ", S=" + generated.steps() + ", D="
                    + generated.headDim() + ") from position " + generated.firstPosition() + ", the metadata says (Hkv=" + meta.kvHeads()
                    + ", S=" + s + ", D=" + meta.headDim() + ") from T=" + t);
        for (int i = 0; i < s; i++)
            if (probeQueries.positions()[i] != t + i)
                throw where("layer " + nextLayer + " probe " + i + " is at position " + probeQueries.positions()[i] + ", expected " + (t + i)
                        + ": with a decode part the probes are the generated tokens' queries, at T, T+1, ...");
        int rows = meta.kvHeads() * s;
        decode.batch(rows, root -> {
            ArrowSink.fill((IntVector) root.getVector(TraceSchema.COL_LAYER), 0, rows, nextLayer);
            IntVector head = (IntVector) root.getVector(TraceSchema.COL_KV_HEAD);
            IntVector position = (IntVector) root.getVector(TraceSchema.COL_POSITION);
            for (int h = 0; h < meta.kvHeads(); h++) {
                ArrowSink.fill(head, h * s, s, h);
                ArrowSink.range(position, h * s, s, t);
                keysAndValues(root, h * s, s, generated.keys(), generated.values(), generated.offset(h, 0), "decode ", h, t);
            }
        });
    }

    private void writeKv(KvBlock block) {
        if (block == null) throw where("layer " + nextLayer + " has no KvBlock");
        if (block.heads() != meta.kvHeads() || block.tokens() != meta.tokens() || block.headDim() != meta.headDim())
            throw where("layer " + nextLayer + " K/V is (H=" + block.heads() + ", T=" + block.tokens() + ", D=" + block.headDim()
                    + "), the metadata says (Hkv=" + meta.kvHeads() + ", T=" + meta.tokens() + ", D=" + meta.headDim() + ")");
        if (!block.layout().equals(layout)) throw where("layer " + nextLayer + " K/V layout differs from the trace layout");
        int t = meta.tokens();
        for (int h = 0; h < meta.kvHeads(); h++) {
            int head = h, offset = block.offset(h, 0);
            kv.batch(t, root -> {
                ArrowSink.fill((IntVector) root.getVector(TraceSchema.COL_LAYER), 0, t, nextLayer);
                ArrowSink.fill((IntVector) root.getVector(TraceSchema.COL_KV_HEAD), 0, t, head);
                ArrowSink.range((IntVector) root.getVector(TraceSchema.COL_POSITION), 0, t, 0);
                keysAndValues(root, 0, t, block.keys(), block.values(), offset, "", head, 0);
            });
        }
    }

    /** One KV head's n key and value rows from {@code offset}, into rows [row, row + n) of a kv-shaped batch; float16 overflow is an error. */
    private void keysAndValues(VectorSchemaRoot root, int row, int n, float[] keys, float[] values, int offset, String part, int head, int firstPosition) {
        checkHalf(ArrowSink.vectors((FixedSizeListVector) root.getVector(TraceSchema.COL_KEY), row, n, keys, offset, meta.dtype()), part + "key", "kv_head", head, firstPosition);
        checkHalf(ArrowSink.vectors((FixedSizeListVector) root.getVector(TraceSchema.COL_VALUE), row, n, values, offset, meta.dtype()), part + "value", "kv_head", head, firstPosition);
    }

    private void writeAttention(AccumulatedAttention a) {
        if (a == null) throw where("layer " + nextLayer + " has no accumulated attention (it is required)");
        if (a.queryHeads() != meta.queryHeads() || a.tokens() != meta.tokens())
            throw where("layer " + nextLayer + " accumulated attention is (Hq=" + a.queryHeads() + ", T=" + a.tokens()
                    + "), the metadata says (Hq=" + meta.queryHeads() + ", T=" + meta.tokens() + ")");
        AttentionSums.require(directory.target().resolve(TraceSchema.ATTENTION_FILE), nextLayer, a.values(), a.queryHeads(), a.tokens(), meta.dtype());
        int t = meta.tokens(), rows = meta.queryHeads() * t;
        attention.batch(rows, root -> {
            ArrowSink.fill((IntVector) root.getVector(TraceSchema.COL_LAYER), 0, rows, nextLayer);
            IntVector head = (IntVector) root.getVector(TraceSchema.COL_QUERY_HEAD);
            IntVector position = (IntVector) root.getVector(TraceSchema.COL_POSITION);
            for (int h = 0; h < meta.queryHeads(); h++) {
                ArrowSink.fill(head, h * t, t, h);
                ArrowSink.range(position, h * t, t, 0);
            }
            Float4Vector values = (Float4Vector) root.getVector(TraceSchema.COL_ATTENTION);
            for (int i = 0; i < rows; i++) values.set(i, a.values()[i]);
        });
    }

    /** @param firstPosition required first position (prefill window), or -1 for probes (positions >= T) */
    private void writeQueries(ArrowSink sink, Queries q, String what, int firstPosition, int count) {
        if (q == null) throw where("layer " + nextLayer + " has no " + what + " but the metadata announces " + count);
        if (q.queryHeads() != meta.queryHeads() || q.headDim() != meta.headDim() || q.count() != count)
            throw where("layer " + nextLayer + " " + what + " are (Hq=" + q.queryHeads() + ", n=" + q.count() + ", D=" + q.headDim()
                    + "), the metadata says (Hq=" + meta.queryHeads() + ", n=" + count + ", D=" + meta.headDim() + ")");
        int[] positions = q.positions();
        if (firstPosition >= 0 ? positions[0] != firstPosition : positions[0] < meta.tokens())
            throw where("layer " + nextLayer + " " + what + " start at position " + positions[0] + ", expected "
                    + (firstPosition >= 0 ? "T-W = " + firstPosition : "a position >= T = " + meta.tokens()));
        int rows = meta.queryHeads() * count;
        sink.batch(rows, root -> {
            ArrowSink.fill((IntVector) root.getVector(TraceSchema.COL_LAYER), 0, rows, nextLayer);
            IntVector head = (IntVector) root.getVector(TraceSchema.COL_QUERY_HEAD);
            IntVector position = (IntVector) root.getVector(TraceSchema.COL_POSITION);
            FixedSizeListVector vectors = (FixedSizeListVector) root.getVector(TraceSchema.COL_QUERY);
            for (int h = 0; h < meta.queryHeads(); h++) {
                ArrowSink.fill(head, h * count, count, h);
                for (int i = 0; i < count; i++) position.set(h * count + i, positions[i]);
                checkHalf(ArrowSink.vectors(vectors, h * count, count, q.data(), q.offset(h, 0), meta.dtype()), what, "query_head", h, positions[0]);
            }
        });
    }

    private void checkHalf(int overflow, String what, String headName, int head, int firstPosition) {
        if (overflow >= 0)
            throw where("layer " + nextLayer + ", " + headName + " " + head + ", token " + (firstPosition + overflow / meta.headDim())
                    + ": " + what + " value overflows float16 (|x| > 65504); write this trace as float32");
    }

    private void requireAbsent(Queries q, String what, String setting) {
        if (q != null) throw where("layer " + nextLayer + " carries " + what + " but the metadata says " + setting);
    }

    private TraceFormatException where(String detail) { return TraceFormatException.in(directory.target(), detail); }

    /** Finishes every file and renames the trace into place; requires all L layers. */
    public Path commit() {
        if (nextLayer != meta.layers())
            throw where("incomplete: " + nextLayer + " of " + meta.layers() + " layers written; nothing was committed");
        closeSinks();
        List<IntegrityWriter.Written> written = new ArrayList<>(List.of(layoutWritten));
        for (ArrowSink sink : new ArrowSink[] {kv, attention, queries, probes, decode})
            if (sink != null) written.add(new IntegrityWriter.Written(sink.file().getFileName().toString(), sink.rows(), sink.batches()));
        IntegrityWriter.seal(directory.temp(), meta.toMap(TraceSchema.INTEGRITY_FILE), written);   // last: digests of the final bytes
        return directory.commit();
    }

    /**
     * Commits when complete and not yet committed. Otherwise deletes the temporary files and, if the trace was
     * left incomplete, says so (as a suppressed exception when another one is already propagating).
     */
    @Override public void close() {
        boolean incomplete = !directory.finished() && nextLayer != meta.layers();
        try {
            if (!directory.finished() && !incomplete) commit();
        } finally {
            try {
                closeSinks();
            } finally {
                directory.abort();
                allocator.close();
            }
        }
        if (incomplete) throw where("incomplete: " + nextLayer + " of " + meta.layers() + " layers written; nothing was committed");
    }

    private boolean sinksClosed;

    private void closeSinks() {
        if (sinksClosed) return;
        sinksClosed = true;
        // closing finishes each file (footer written); the first failure is reported after trying them all
        RuntimeException failure = null;
        for (ArrowSink sink : new ArrowSink[] {kv, attention, queries, probes, decode}) {
            if (sink == null) continue;
            try {
                sink.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        if (failure != null) throw failure;
    }
}
