package lookm.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /** A finished output written by lookm (it carries the marker), holding old.txt. */
    private static Path lookmOutput(Path target) {
        try (OutputDirectory dir = OutputDirectory.prepare(target, false)) {
            dir.writeString("old.txt", "old");
            return dir.commit();
        }
    }

    @Test
    void aFailedRunLeavesTheTargetUntouched() throws IOException {
        Path target = lookmOutput(tmp.resolve("out"));
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
        Path target = lookmOutput(tmp.resolve("out"));
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
    void aStrangersNonEmptyDirectoryIsRefusedEvenWithOverwrite() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(target.resolve("thesis.tex"), "years of work");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputDirectory.prepare(target, true));
        assertTrue(e.getMessage().contains("was not written by lookm"), e.getMessage());
        assertEquals("years of work", Files.readString(target.resolve("thesis.tex")));
        assertEquals(1, entries(tmp), "no staging directory is created for a refused target");
    }

    @Test
    void anOutputNeverEqualsContainsOrLiesInsideAnInput() throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("runs"));
        Path input = lookmOutput(parent.resolve("trace"));   // even a lookm-written input is never replaced
        Files.writeString(parent.resolve("notes.txt"), "sibling");
        for (Path target : List.of(input, parent, tmp, input.resolve("sub"), parent.resolve("..").resolve("runs").resolve("trace")))
            for (boolean overwrite : new boolean[] {false, true}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> OutputDirectory.prepare(target, overwrite, List.of(input)), target + " overwrite=" + overwrite);
                assertTrue(e.getMessage().matches(".*(is the input|contains the input|lies inside the input).*"), e.getMessage());
            }
        assertEquals("old", Files.readString(input.resolve("old.txt")));
        assertEquals("sibling", Files.readString(parent.resolve("notes.txt")));
    }

    @Test
    void aSymbolicLinkToAnInputIsRecognised() throws IOException {
        Path input = lookmOutput(tmp.resolve("trace"));
        Path link = Files.createSymbolicLink(tmp.resolve("alias"), input);
        assertThrows(IllegalArgumentException.class, () -> OutputDirectory.prepare(link, true, List.of(input)));
        assertThrows(IllegalArgumentException.class, () -> OutputDirectory.prepare(input, true, List.of(link)));
        assertEquals("old", Files.readString(input.resolve("old.txt")));
    }

    @Test
    void stagingLeftByAKilledProcessIsRemovedByTheNextRun() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createDirectories(tmp.resolve(".out.tmp-" + gone.pid() + "-abc123"));
        lookm.traces.write.OutputGuard.writeMarker(stale, lookm.traces.write.OutputGuard.COMPLETE);
        Path emptyStale = Files.createDirectories(tmp.resolve(".out.tmp-" + gone.pid() + "-def456"));
        Path notOurs = Files.createDirectories(tmp.resolve(".out.tmp-" + gone.pid() + "-0ff"));
        Files.writeString(notOurs.resolve("x"), "no marker: not touched");
        try (OutputDirectory dir = OutputDirectory.prepare(tmp.resolve("out"), false)) {
            dir.writeString("a", "b");
            dir.commit();
        }
        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(emptyStale));
        assertTrue(Files.exists(notOurs.resolve("x")));
    }

    @Test
    void aResumableOutputKeepsFinishedCellsAndDropsAnEmptyStart() throws IOException {
        Path target = tmp.resolve("sweep");
        try (OutputDirectory dir = OutputDirectory.resumable(target, false, false, List.of(), "cells", kept -> { })) {
            dir.writeString("resume-key.txt", "k\n");
            // fails before any cell finished
        }
        assertFalse(Files.exists(tmp.resolve("sweep.partial")), "nothing finished, nothing kept");
        try (OutputDirectory dir = OutputDirectory.resumable(target, false, false, List.of(), "cells", kept -> { })) {
            dir.writeString("cells/0/layer-0.txt", "done");
        }
        assertEquals("done", Files.readString(tmp.resolve("sweep.partial/cells/0/layer-0.txt")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutputDirectory.resumable(target, false, false, List.of(), "cells", kept -> { }));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
        try (OutputDirectory dir = OutputDirectory.resumable(target, false, true, List.of(), "cells", kept -> { })) {
            assertEquals("done", Files.readString(dir.resolve("cells/0/layer-0.txt")));
            dir.commit();
        }
        assertTrue(Files.exists(target.resolve("cells/0/layer-0.txt")));
        assertFalse(Files.exists(tmp.resolve("sweep.partial")));
        assertThrows(IllegalArgumentException.class, () -> OutputDirectory.resumable(tmp.resolve("other"), false, true, List.of(), "cells", kept -> { }),
                "nothing to resume");
    }

    @Test
    void aPartialOutputInUseByAnotherRunningProcessIsRefused() throws Exception {
        Path target = tmp.resolve("sweep");
        try (OutputDirectory dir = OutputDirectory.resumable(target, false, false, List.of(), "cells", kept -> { })) {
            dir.writeString("cells/0/layer-0.txt", "done");
        }
        Path partial = tmp.resolve("sweep.partial");
        assertFalse(Files.exists(partial.resolve(".lookm-lock")), "a kept partial output is not locked");
        Process other = new ProcessBuilder("sleep", "30").start();
        try {
            Files.writeString(partial.resolve(".lookm-lock"), Long.toString(other.pid()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OutputDirectory.resumable(target, true, true, List.of(), "cells", kept -> { }));
            assertTrue(e.getMessage().contains("is being written by process " + other.pid()), e.getMessage());
        } finally {
            other.destroyForcibly().waitFor();
        }
        try (OutputDirectory dir = OutputDirectory.resumable(target, false, true, List.of(), "cells", kept -> { })) {
            assertEquals("done", Files.readString(dir.resolve("cells/0/layer-0.txt")), "a dead process's lock is taken over");
        }
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
