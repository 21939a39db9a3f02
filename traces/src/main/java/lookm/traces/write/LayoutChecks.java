package lookm.traces.write;

import java.nio.file.Path;
import lookm.spec.tensor.Modality;
import lookm.spec.tensor.TokenLayout;
import lookm.traces.schema.TraceFormatException;

/** Checks of a layout against the metadata, shared by the writer and the reader. */
public final class LayoutChecks {
    private LayoutChecks() {}

    /** When tokensPerImage > 0, every image run must have exactly that many positions. */
    public static void requireImageSize(Path file, TokenLayout layout, int tokensPerImage) {
        if (tokensPerImage == 0) return;
        for (TokenLayout.Run run : layout.runs())
            if (run.modality() == Modality.IMAGE && run.length() != tokensPerImage)
                throw TraceFormatException.in(file, "image " + run.imageIndex() + " covers tokens [" + run.start() + ", " + run.end()
                        + ") = " + run.length() + " tokens, the metadata says " + tokensPerImage + " tokens per image");
    }
}
