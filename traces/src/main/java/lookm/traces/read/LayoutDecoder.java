package lookm.traces.read;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceMetadata;
import lookm.traces.schema.TraceSchema;
import lookm.traces.write.LayoutChecks;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** Reads layout.arrow: the metadata, one row per position (any batching), and optional token ids. */
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
        int t = meta.tokens();
        SourceChecks.layout(s, meta);                                       // before the (T) arrays are allocated
        int[] imageIds = new int[t];
        int[] tokenIds = withIds ? new int[t] : null;
        int row = 0;
        for (int b = 0; b < s.batchCount(); b++) {
            VectorSchemaRoot root = s.loadAny(b, "layout batch " + b);
            if (row + root.getRowCount() > t)
                throw TraceFormatException.in(file, "has more than T=" + t + " rows: the layout must cover exactly the metadata's tokens");
            decodeBatch(file, root, row, imageIds, tokenIds);
            row += root.getRowCount();
        }
        if (row != t)
            throw TraceFormatException.in(file, "covers " + row + " tokens, the metadata says T=" + t
                    + ": the layout must give the modality of every token");
        TokenLayout layout;
        try {
            layout = TokenLayout.fromImageIds(imageIds);
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
            if (position.get(r) != t)
                throw TraceFormatException.in(file, "token " + t + ": position is " + position.get(r) + ", expected " + t
                        + " (one row per position, in order)");
            String m = new String(modality.get(r), StandardCharsets.UTF_8);
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
}
