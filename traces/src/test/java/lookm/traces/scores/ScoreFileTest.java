package lookm.traces.scores;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import lookm.spec.tensor.Scores;
import lookm.traces.npy.NpyWriter;
import lookm.traces.schema.TraceFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * External score files: the fixtures written by NumPy and pyarrow (python/make_score_fixtures.py, through lookm_scores)
 * read back exactly; malformed files are refused naming the file and where.
 */
class ScoreFileTest {
    static final int L = 2, H = 3, T = 5;
    @TempDir Path tmp;

    static Path fixture(String name) throws URISyntaxException {
        return Paths.get(ScoreFileTest.class.getResource("/lookm/traces/scores/" + name).toURI());
    }

    @Test
    void numpyAndPyarrowFixturesReadExactly() throws URISyntaxException {
        for (String name : new String[] {"tiny.npy", "tiny.arrow"}) {
            ScoreFile f = ScoreFile.read(fixture(name));
            assertEquals(L, f.layers(), name);
            for (int l = 0; l < L; l++) {
                Scores s = f.layer(l, H, T);
                for (int h = 0; h < H; h++)
                    for (int t = 0; t < T; t++) assertEquals(100f * l + 10 * h + t + 0.25f, s.at(h, t), name + " layer " + l + " head " + h + " position " + t);
            }
        }
    }

    @Test
    void aLayerOrShapeTheFileDoesNotHoldIsRefused() throws URISyntaxException {
        ScoreFile f = ScoreFile.read(fixture("tiny.npy"));
        refused("layer 2 was asked for", () -> f.layer(2, H, T));
        refused("(H=3, T=5) per layer", () -> f.layer(0, 4, T));
    }

    @Test
    void malformedNumpyFilesAreRefusedNamingWhere() throws IOException {
        Path nan = write("nan.npy", new float[] {0, 1, Float.NaN, 3}, 2, 2);
        assertTrue(refused("head 1, position 0", () -> ScoreFile.read(nan)).contains(nan.toString()));
        Path rank = write("rank.npy", new float[4], 4);
        refused("expected (L, H, T) or (H, T)", () -> ScoreFile.read(rank));
        Path ints = tmp.resolve("ints.npy");
        try (OutputStream out = Files.newOutputStream(ints)) {
            NpyWriter.ints(out, new int[4], 2, 2);
        }
        refused("must be float16, float32 or float64", () -> ScoreFile.read(ints));
        refused("missing", () -> ScoreFile.read(tmp.resolve("none.npy")));
        Path junk = Files.writeString(tmp.resolve("junk.arrow"), "not arrow");
        refused("not a readable", () -> ScoreFile.read(junk));
    }

    private Path write(String name, float[] data, long... shape) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(p)) {
            NpyWriter.floats(out, data, shape);
        }
        return p;
    }

    private static String refused(String expected, Runnable r) {
        TraceFormatException e = assertThrows(TraceFormatException.class, r::run);
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' lacks '" + expected + "'");
        return e.getMessage();
    }
}
