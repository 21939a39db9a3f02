package lookm.traces.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import lookm.spec.tensor.Modality;
import lookm.traces.ArrowTable;
import lookm.traces.TraceFixtures;
import lookm.traces.schema.CacheDtype;
import lookm.traces.schema.TraceFormatException;
import lookm.traces.schema.TraceSchema;
import lookm.traces.synth.SynthConfig;
import lookm.traces.synth.SynthLayout;
import lookm.traces.synth.SyntheticTraceGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One mutation per v2 field (FORMAT.md, layout v2): each damaged layout.arrow or metadata is refused with a message
 * naming the file and the token (or the key).
 */
class LayoutV2ValidationTest {
    private static final int TEXT_BEFORE = 4, TEXT_AFTER = 3;
    /** qwen2-vl preset: text 0..3, vision start 4, image 5..196, vision end 197, text, vision start, video ... */
    private static final int FIRST_IMAGE = TEXT_BEFORE + 1;
    private static final int FIRST_VIDEO = FIRST_IMAGE + SynthLayout.QWEN_IMAGE_ROWS * SynthLayout.QWEN_IMAGE_COLS + 2
            + SynthLayout.QWEN_TEXT_BETWEEN;
    private static final int VIDEO_FRAME_TOKENS = SynthLayout.QWEN_VIDEO_SIDE * SynthLayout.QWEN_VIDEO_SIDE;

    @TempDir Path dir;
    private int written;

    private Path write(String preset) {
        SynthConfig config = SynthConfig.builder().modelName("v2-test").shape(2, 2, 1, 16).dtype(CacheDtype.FLOAT32)
                .preset(SynthLayout.of(preset, TEXT_BEFORE, TEXT_AFTER)).prefillQueries(2).probes(1).seed(TraceFixtures.SEED).build();
        return new SyntheticTraceGenerator(config).write(dir.resolve(preset + "-" + written++), false);
    }

    /** Edits one file, then re-seals the integrity data (as ValidationTest): the field checks must catch it, not the digest. */
    private static void damage(Path trace, String file, Consumer<ArrowTable> edit) {
        ArrowTable t = ArrowTable.read(trace.resolve(file));
        edit.accept(t);
        t.write(trace.resolve(file));
        lookm.traces.write.IntegrityWriter.reseal(trace, ArrowTable.read(trace.resolve(TraceSchema.LAYOUT_FILE)).metadata);
    }

    private static void set(ArrowTable t, String column, int token, Object value) {
        t.columns.get(column).batches.get(0).set(token, value);
    }

    private static void assertRejected(Path trace, String... fragments) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceValidator.validate(trace).throwIfInvalid());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "message lacks '" + f + "': " + e.getMessage());
    }

    private void rejectsLayoutEdit(String preset, Consumer<ArrowTable> edit, String... fragments) {
        Path trace = write(preset);
        damage(trace, TraceSchema.LAYOUT_FILE, edit);
        assertRejected(trace, fragments);
    }

    @Test
    void readsEveryPresetBackWithItsDetails() {
        for (String preset : SynthLayout.NAMES) {
            Path trace = write(preset);
            assertTrue(TraceValidator.validate(trace).valid(), preset);
            try (TraceReader r = TraceReader.open(trace)) {
                assertEquals(SynthLayout.of(preset, TEXT_BEFORE, TEXT_AFTER).layout(), r.layout(), preset);
                assertEquals("synth-" + preset, r.metadata().architecture());
                assertEquals(TraceSchema.VERSION_2, r.metadata().version());
            }
        }
    }

    @Test
    void rejectsAnUnknownModality() {
        rejectsLayoutEdit("qwen2-vl", t -> set(t, TraceSchema.COL_MODALITY, 10, "audio"), "layout.arrow", "token 10: modality 'audio'");
    }

    @Test
    void rejectsAnImageTokenCalledText() {
        rejectsLayoutEdit("qwen2-vl", t -> set(t, TraceSchema.COL_MODALITY, FIRST_IMAGE + 3, Modality.TEXT.label()), "layout.arrow",
                "token " + (FIRST_IMAGE + 3) + ": modality text with image 0", "text tokens have no image");
    }

    @Test
    void rejectsImagesOutOfOrder() {
        rejectsLayoutEdit("qwen2-vl", t -> {
            for (int p = FIRST_IMAGE - 1; p <= FIRST_IMAGE + SynthLayout.QWEN_IMAGE_ROWS * SynthLayout.QWEN_IMAGE_COLS; p++)
                set(t, TraceSchema.COL_IMAGE_INDEX, p, 1);
        }, "layout.arrow", "token " + (FIRST_IMAGE - 1) + ": image 1, expected 0");
    }

    @Test
    void rejectsAVideoIndexOnAnImageToken() {
        rejectsLayoutEdit("qwen2-vl", t -> set(t, TraceSchema.COL_VIDEO_INDEX, FIRST_IMAGE, 0), "layout.arrow",
                "token " + FIRST_IMAGE + ": modality image with image 0, video 0", "no video or frame");
    }

    @Test
    void rejectsAVideoSplitInTwo() {
        rejectsLayoutEdit("qwen2-vl", t -> set(t, TraceSchema.COL_VIDEO_INDEX, FIRST_VIDEO + 5, 1), "layout.arrow",
                "token " + (FIRST_VIDEO + 6) + ": video 0, expected 2");
    }

    @Test
    void rejectsAnImageTokenWithoutATile() {
        rejectsLayoutEdit("anyres", t -> set(t, TraceSchema.COL_TILE_INDEX, TEXT_BEFORE + 2, -1), "layout.arrow",
                "token " + (TEXT_BEFORE + 2) + ": modality image with image 0, video -1, tile -1", "tile >= 0");
    }

    @Test
    void rejectsAnIndexBelowNone() {
        rejectsLayoutEdit("anyres", t -> set(t, TraceSchema.COL_TILE_INDEX, TEXT_BEFORE + 2, -2), "layout.arrow",
                "token " + (TEXT_BEFORE + 2) + ": index -2");
    }

    @Test
    void rejectsASkippedFrame() {
        int p = FIRST_VIDEO + VIDEO_FRAME_TOKENS;   // the first token of frame 1
        rejectsLayoutEdit("qwen2-vl", t -> set(t, TraceSchema.COL_FRAME_INDEX, p, 2), "layout.arrow",
                "token " + p + ": frame 2 of video 0 after frame 0");
    }

    @Test
    void rejectsAFrameOnATextToken() {
        rejectsLayoutEdit("video", t -> set(t, TraceSchema.COL_FRAME_INDEX, 1, 0), "layout.arrow",
                "token 1: modality text with image -1, video -1, tile -1, frame 0");
    }

    @Test
    void rejectsANegativeRopePosition() {
        rejectsLayoutEdit("qwen2-vl", t -> set(t, TraceSchema.COL_ROPE.get(1), 7, -1), "layout.arrow",
                "token 7: RoPE position -1 < 0 (row 1)");
    }

    @Test
    void rejectsDifferentAxesUnderOneDimensionalRope() {
        rejectsLayoutEdit("anyres", t -> set(t, TraceSchema.COL_ROPE.get(2), 9, 100), "layout.arrow",
                "token 9: 1-D RoPE but positions (9, 9, 100) differ");
    }

    @Test
    void rejectsAMissingV2Column() {
        for (String column : List.of(TraceSchema.COL_VIDEO_INDEX, TraceSchema.COL_TILE_INDEX, TraceSchema.COL_FRAME_INDEX, TraceSchema.COL_ROPE.get(0)))
            rejectsLayoutEdit("video", t -> t.columns.remove(column), "layout.arrow", "missing column '" + column + "'");
    }

    @Test
    void rejectsMissingOrBadV2Metadata() {
        Path trace = write("anyres");
        for (String f : List.of(TraceSchema.LAYOUT_FILE, TraceSchema.KV_FILE, TraceSchema.ATTENTION_FILE, TraceSchema.QUERIES_FILE, TraceSchema.PROBES_FILE))
            damage(trace, f, t -> t.metadata.remove(TraceSchema.KEY_ARCHITECTURE));
        assertRejected(trace, "layout.arrow", "missing metadata key 'lookm.model.architecture'");
        Path other = write("video");
        damage(other, TraceSchema.LAYOUT_FILE, t -> t.metadata.put(TraceSchema.KEY_ROPE_AXES, "2"));
        assertRejected(other, "layout.arrow", "ropeAxes must be 1 or 3, was 2");
    }

    @Test
    void rejectsAFileOfAnotherVersion() {
        Path trace = write("qwen2-vl");
        damage(trace, TraceSchema.ATTENTION_FILE, t -> {
            t.metadata.put(TraceSchema.KEY_VERSION, TraceSchema.VERSION_1);
            t.metadata.remove(TraceSchema.KEY_ARCHITECTURE);
            t.metadata.remove(TraceSchema.KEY_ROPE_AXES);
        });
        assertRejected(trace, "attention.arrow", "disagrees with layout.arrow");
    }
}
