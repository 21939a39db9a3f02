package lookm.traces.read;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.TokenDetails;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TraceSchema;
import lookm.traces.write.LayoutChecks;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Reads layout.arrow: the metadata, one row per position (any batching), and optional token ids. Version 2 adds the
 * per-token modality (text, image, video, special), image / video / tile / frame index and RoPE positions, read into
 * {@link TokenDetails} (every rule checked, errors naming the file, the column and the token).
 */
final class LayoutDecoder {
    private LayoutDecoder() {}

    /** @param tokenIds (T) or null */
    record Result(TraceMetadata metadata, TokenLayout layout, int[] tokenIds) {}

    static Result read(ArrowSource s) {
        Path file = s.file();
        TraceMetadata meta = s.metadata();
        s.requireColumn(TraceSchema.COL_POSITION, TraceSchema.int32(), null);
        s.requireColumn(TraceSchema.COL_MODALITY, org.apache.arrow.vector.types.pojo.ArrowType.Utf8.INSTANCE, null);
        s.requireColumn(TraceSchema.COL_IMAGE_INDEX, TraceSchema.int32(), null);
        boolean withIds = s.hasColumn(TraceSchema.COL_TOKEN_ID);
        if (withIds) s.requireColumn(TraceSchema.COL_TOKEN_ID, TraceSchema.int32(), null);
        boolean v2 = meta.isVersion2();
        if (v2) for (String c : V2_INT_COLUMNS) s.requireColumn(c, TraceSchema.int32(), null);
        int t = meta.tokens();
        SourceChecks.layout(s, meta);                                       // before the (T) arrays are allocated
        int[] imageIds = new int[t];
        int[] tokenIds = withIds ? new int[t] : null;
        V2Columns columns = v2 ? new V2Columns(t) : null;
        int row = 0;
        for (int b = 0; b < s.batchCount(); b++) {
            VectorSchemaRoot root = s.loadAny(b, "layout batch " + b);
            if (row + root.getRowCount() > t)
                throw TraceFormatException.in(file, "has more than T=" + t + " rows: the layout must cover exactly the metadata's tokens");
            if (v2) decodeBatchV2(file, root, row, columns, tokenIds);
            else decodeBatch(file, root, row, imageIds, tokenIds);
            row += root.getRowCount();
        }
        if (row != t)
            throw TraceFormatException.in(file, "covers " + row + " tokens, the metadata says T=" + t
                    + ": the layout must give the modality of every token");
        TokenLayout layout;
        try {
            layout = v2 ? TokenLayout.fromDetails(columns.details(meta.ropeAxes())) : TokenLayout.fromImageIds(imageIds);
        } catch (IllegalArgumentException e) {
            throw TraceFormatException.in(file, "invalid layout: " + e.getMessage());
        }
        LayoutChecks.requireImageSize(file, layout, meta.tokensPerImage());
        return new Result(meta, layout, tokenIds);
    }

    private static void decodeBatch(Path file, VectorSchemaRoot root, int first, int[] imageIds, int[] tokenIds) {
        IntVector position = (IntVector) root.getVector(TraceSchema.COL_POSITION);
        VarCharVector modality = (VarCharVector) root.getVector(TraceSchema.COL_MODALITY);
        IntVector image = (IntVector) root.getVector(TraceSchema.COL_IMAGE_INDEX);
        IntVector ids = tokenIds == null ? null : (IntVector) root.getVector(TraceSchema.COL_TOKEN_ID);
        for (int r = 0; r < root.getRowCount(); r++) {
            int t = first + r;
            String m = rowModality(file, position, modality, r, t);
            boolean isImage = m.equals(TraceSchema.MODALITY_IMAGE);
            if (!isImage && !m.equals(TraceSchema.MODALITY_TEXT))
                throw TraceFormatException.in(file, "token " + t + ": modality '" + m + "', expected 'text' or 'image'");
            int id = image.get(r);
            if (isImage != (id >= 0) || id < TokenLayout.TEXT_INDEX)
                throw TraceFormatException.in(file, "token " + t + ": modality '" + m + "' with image_index " + id
                        + " (text has -1, image tokens their image's index >= 0)");
            imageIds[t] = id;
            if (ids != null) tokenIds[t] = ids.get(r);
        }
    }

    /** Row r (token t) must hold position t; returns its modality label. */
    private static String rowModality(Path file, IntVector position, VarCharVector modality, int r, int t) {
        if (position.get(r) != t)
            throw TraceFormatException.in(file, "token " + t + ": position is " + position.get(r) + ", expected " + t
                    + " (one row per position, in order)");
        return new String(modality.get(r), StandardCharsets.UTF_8);
    }

    /** The v2 integer columns after image_index, in file order. */
    private static final List<String> V2_INT_COLUMNS = List.of(TraceSchema.COL_IMAGE_INDEX, TraceSchema.COL_VIDEO_INDEX,
            TraceSchema.COL_TILE_INDEX, TraceSchema.COL_FRAME_INDEX, TraceSchema.COL_ROPE.get(0), TraceSchema.COL_ROPE.get(1),
            TraceSchema.COL_ROPE.get(2));

    /** The v2 per-token columns as read, (T) each. */
    private static final class V2Columns {
        final Modality[] modality;
        final int[][] ints;   // V2_INT_COLUMNS order

        V2Columns(int t) {
            modality = new Modality[t];
            ints = new int[V2_INT_COLUMNS.size()][t];
        }

        TokenDetails details(int ropeAxes) {
            return new TokenDetails(modality, ints[0], ints[1], ints[2], ints[3], new int[][] {ints[4], ints[5], ints[6]}, ropeAxes);
        }
    }

    private static void decodeBatchV2(Path file, VectorSchemaRoot root, int first, V2Columns out, int[] tokenIds) {
        IntVector position = (IntVector) root.getVector(TraceSchema.COL_POSITION);
        VarCharVector modality = (VarCharVector) root.getVector(TraceSchema.COL_MODALITY);
        IntVector ids = tokenIds == null ? null : (IntVector) root.getVector(TraceSchema.COL_TOKEN_ID);
        IntVector[] ints = new IntVector[V2_INT_COLUMNS.size()];
        for (int c = 0; c < ints.length; c++) ints[c] = (IntVector) root.getVector(V2_INT_COLUMNS.get(c));
        for (int r = 0; r < root.getRowCount(); r++) {
            int t = first + r;
            String label = rowModality(file, position, modality, r, t);
            Modality m = Modality.fromLabel(label);
            if (m == null)
                throw TraceFormatException.in(file, "token " + t + ": modality '" + label + "', expected text, image, video or special");
            out.modality[t] = m;
            for (int c = 0; c < ints.length; c++) out.ints[c][t] = ints[c].get(r);
            if (ids != null) tokenIds[t] = ids.get(r);
        }
    }

    /** One line: tokens per modality, images (and tiles), videos (and frames), RoPE kind. */
    static String describe(TokenDetails d) {
        int[] perModality = new int[Modality.values().length];
        int images = 0, tiles = 0, videos = 0, frames = 0;
        for (int p = 0; p < d.size(); p++) {
            perModality[d.modality(p).ordinal()]++;
            images = Math.max(images, d.image(p) + 1);
            videos = Math.max(videos, d.video(p) + 1);
            if (d.tile(p) >= tiles) tiles = d.tile(p) + 1;
            if (d.frame(p) >= 0 && (p == 0 || d.frame(p) != d.frame(p - 1) || d.video(p) != d.video(p - 1))) frames++;
        }
        StringBuilder s = new StringBuilder();
        for (Modality m : Modality.values()) s.append(m.label()).append(' ').append(perModality[m.ordinal()]).append(", ");
        return s.append(images).append(images == 1 ? " image" : " images").append(" (up to ").append(tiles).append(" tiles), ")
                .append(videos).append(videos == 1 ? " video" : " videos").append(" (").append(frames).append(" frames), RoPE ")
                .append(d.ropeAxes() == 1 ? "1-D" : "M-RoPE (t, h, w)").toString();
    }
}
