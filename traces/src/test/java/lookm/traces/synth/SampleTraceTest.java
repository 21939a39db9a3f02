package lookm.traces.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lookm.traces.read.TraceInspector;
import lookm.traces.read.TraceSummary;
import lookm.traces.read.TraceValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled sample is not a mystery blob: it is exactly what its config and seed generate. */
class SampleTraceTest {
    @TempDir Path dir;

    @Test
    void theBundledSampleIsItsSeedRegenerated() throws IOException {
        Path bundled = SampleTrace.extractTo(dir.resolve("bundled"));
        Path regenerated = new SyntheticTraceGenerator(SampleTrace.CONFIG).write(dir.resolve("regenerated"), false);
        for (String f : SampleTrace.FILES)
            assertArrayEquals(Files.readAllBytes(bundled.resolve(f)), Files.readAllBytes(regenerated.resolve(f)), f);
    }

    @Test
    void theBundledSampleIsValidSmallAndLlavaLike() {
        Path bundled = SampleTrace.extractTo(dir.resolve("bundled"));
        assertTrue(TraceValidator.validate(bundled).valid(), TraceValidator.validate(bundled).message());
        TraceSummary s = TraceInspector.inspect(bundled);
        assertTrue(s.totalBytes() < 5L << 20, "under 5 MB: " + s.totalBytes());
        assertEquals(864, s.metadata().tokens());
        assertEquals(576, s.layout().imageTokenCount());
        for (TraceSummary.ModalityShare l : s.layers())
            assertTrue(l.meanPerTextToken() > l.meanPerImageToken(), "text draws more attention per token: " + l);
        assertTrue(s.render().contains("T=864 [text 32, image#0 576, text 256]"), s.render());
    }
}
