package lookm.bench.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import lookm.bench.report.OutputDirectory;
import lookm.traces.read.TraceReader;
import lookm.traces.synth.SyntheticTraceGenerator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Decisions exported from the replay's own compressions ({@link DecisionExport.Writer} fed by a {@link Replay.LayerSink})
 * equal those of compressing every layer again ({@link DecisionExport#write}), on every pipeline and after a resumed
 * replay (whose held layers the writer compresses itself), and each layer is compressed once, not twice.
 */
class DecisionExportTest {
    private static final int LAYERS = 3;
    private static final Map<String, Object> HEADER = Map.of("test", "decisions");

    @TempDir Path dir;

    @ParameterizedTest(name = "prefetch {0}, threads {1}")
    @CsvSource({"0, 1", "1, 1", "1, 2"})
    void theReplaysOwnCompressionsAreExportedAsIfCompressedAgain(int prefetch, int threads) throws IOException {
        Path trace = new SyntheticTraceGenerator(ReplayResumeTest.CONFIG).write(dir.resolve("trace"), false);
        AtomicInteger calls = new AtomicInteger();
        Replay.Job job = ReplayResumeTest.job("lookm", calls);
        Replay.Pipeline pipeline = new Replay.Pipeline(prefetch, threads);
        Path expected = dir.resolve("expected"), streamed = dir.resolve("streamed"), resumed = dir.resolve("resumed"), cells = dir.resolve("cells");
        try (TraceReader reader = TraceReader.open(trace)) {
            try (OutputDirectory out = OutputDirectory.prepare(expected, false)) {
                DecisionExport.write(reader, job, LAYERS, null, HEADER, out);                           // every layer compressed again
            }
            calls.set(0);
            export(reader, job, pipeline, cells, streamed);
            assertEquals(LAYERS, calls.get(), "one compression per layer: the replay's, reused by the export");
        }
        Files.delete(cells.resolve(CellStore.name(0, job, 0)));                                        // interrupted: only the last layer held
        Files.delete(cells.resolve(CellStore.name(0, job, 1)));
        try (TraceReader reader = TraceReader.open(trace)) {
            calls.set(0);
            export(reader, job, pipeline, cells, resumed);                                             // the held layer: compressed by the writer
            assertEquals(LAYERS, calls.get(), "two layers by the resumed replay, the held one by the export");
        }
        for (Path got : List.of(streamed, resumed)) {
            assertEquals(Files.readString(expected.resolve(DecisionExport.MANIFEST)), Files.readString(got.resolve(DecisionExport.MANIFEST)), got.toString());
            for (int l = 0; l < LAYERS; l++) {
                Map<String, byte[]> want = entries(expected.resolve(DecisionExport.layerFile(l))), have = entries(got.resolve(DecisionExport.layerFile(l)));
                assertEquals(want.keySet(), have.keySet(), got + ", layer " + l);
                for (String name : want.keySet()) assertArrayEquals(want.get(name), have.get(name), got + ", layer " + l + ", " + name);
            }
        }
    }

    private static void export(TraceReader reader, Replay.Job job, Replay.Pipeline pipeline, Path cells, Path target) {
        try (OutputDirectory out = OutputDirectory.prepare(target, false)) {
            DecisionExport.Writer writer = new DecisionExport.Writer(out);
            Replay.run(reader, List.of(job), LAYERS, ReplayResumeTest.store(cells), (l, j) -> { }, pipeline, (layer, j, compressed) -> writer.layer(layer, compressed));
            writer.finish(reader, job, LAYERS, null, HEADER);
        }
    }

    /** The arrays of an .npz file, by name (the zip entries' times differ between writes; their contents must not). */
    private static Map<String, byte[]> entries(Path npz) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (InputStream in = Files.newInputStream(npz); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) out.put(e.getName(), zip.readAllBytes());
        }
        return out;
    }
}
