package lookm.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputDirectoryTest {
    @TempDir Path tmp;

    @Test
    void filesAppearOnlyAtCommit() throws IOException {
        Path target = tmp.resolve("out");
        try (OutputDirectory dir = OutputDirectory.prepare(target, false)) {
            dir.writeString("a.json", "{}\n");
            assertFalse(Files.exists(target), "nothing is visible before commit");
            dir.commit();
        }
        assertEquals("{}\n", Files.readString(target.resolve("a.json")));
        assertEquals(1, entries(tmp), "no staging directory or temp file is left");
    }

    @Test
    void aFailedRunLeavesTheTargetUntouched() throws IOException {
        Path target = tmp.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old.txt"), "old");
        try (OutputDirectory dir = OutputDirectory.prepare(target, true)) {
            dir.writeString("new.txt", "new");
            // no commit: the run "failed"
        }
        assertEquals("old", Files.readString(target.resolve("old.txt")));
        assertFalse(Files.exists(target.resolve("new.txt")));
        assertEquals(1, entries(tmp));
    }

    @Test
    void anExistingNonEmptyDirectoryIsRefusedUnlessOverwriting() throws IOException {
        Path target = tmp.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old.txt"), "old");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputDirectory.prepare(target, false));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        try (OutputDirectory dir = OutputDirectory.prepare(target, true)) {
            dir.writeString("new.txt", "new");
            dir.commit();
        }
        assertFalse(Files.exists(target.resolve("old.txt")), "overwrite replaces the whole directory");
        assertTrue(Files.exists(target.resolve("new.txt")));
        assertEquals(1, entries(tmp));
    }

    @Test
    void anEmptyExistingDirectoryIsAccepted() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("empty"));
        try (OutputDirectory dir = OutputDirectory.prepare(target, false)) {
            dir.writeString("x.csv", "a\n");
            dir.commit();
        }
        assertTrue(Files.exists(target.resolve("x.csv")));
    }

    @Test
    void namesCannotEscapeTheDirectory() {
        try (OutputDirectory dir = OutputDirectory.prepare(tmp.resolve("out"), false)) {
            assertThrows(IllegalArgumentException.class, () -> dir.writeString("../evil.txt", "x"));
        }
    }

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
