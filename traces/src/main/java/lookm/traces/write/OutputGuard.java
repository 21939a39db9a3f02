package lookm.traces.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import lookm.traces.schema.TraceFormatException;

/**
 * The output rules every writing command follows (bench/README.md, "Outputs"): an output never equals, contains or
 * lies inside an input; an existing non-empty directory is replaced only with overwrite and only when it carries
 * the tool's {@link #MARKER} file (a directory this tool wrote); an existing file is never replaced here (the npz
 * writer has its own rule). Every refusal is a {@link TraceFormatException} (exit 2) naming the target and why.
 */
public final class OutputGuard {
    /** The marker file in every directory this tool writes (outputs and traces); its presence allows --overwrite. */
    public static final String MARKER = ".lookm-output";
    /** Marker state of a finished output. */
    public static final String COMPLETE = "complete";
    /** Marker state of an interrupted run's kept cells (resumable). */
    public static final String PARTIAL = "partial";
    private static final String STATE_KEY = "state=";

    private OutputGuard() {}

    /**
     * Checks {@code target} against the rules before anything is written.
     *
     * @param target    the output directory (absolute or relative)
     * @param overwrite whether the user asked to replace an existing output
     * @param inputs    every file or directory the command reads (may be empty)
     * @throws TraceFormatException naming the target and the rule it breaks
     */
    public static void requireSafe(Path target, boolean overwrite, List<Path> inputs) {
        Path t = canonical(target);
        requireApartFromInputs(t, inputs);
        if (!Files.exists(t, LinkOption.NOFOLLOW_LINKS)) return;
        if (!Files.isDirectory(t))
            throw TraceFormatException.in(target, "is an existing file, not a directory; refusing to replace it: choose another --out");
        if (isEmpty(t)) return;
        if (!overwrite)
            throw TraceFormatException.in(target, "already exists; refusing to overwrite it without --overwrite (which replaces only"
                    + " a directory lookm wrote); choose another --out");
        if (!Files.isRegularFile(t.resolve(MARKER)))
            throw TraceFormatException.in(target, "exists, is not empty and was not written by lookm (no " + MARKER
                    + " marker file); --overwrite replaces only a directory lookm wrote: choose another --out");
    }

    /** Refuses an output equal to, containing (a parent of) or inside an input, comparing real paths. */
    public static void requireApartFromInputs(Path target, List<Path> inputs) {
        Path t = canonical(target);
        for (Path input : inputs) {
            if (input == null) continue;
            Path in = canonical(input);
            if (t.equals(in))
                throw TraceFormatException.in(target, "is the input " + input + "; refusing to write over an input: choose another --out");
            if (in.startsWith(t))
                throw TraceFormatException.in(target, "contains the input " + input + "; refusing to replace a directory holding an input:"
                        + " choose another --out");
            if (t.startsWith(in))
                throw TraceFormatException.in(target, "lies inside the input " + input + "; refusing to write into an input:"
                        + " choose another --out");
        }
    }

    /** Writes the marker file into {@code dir} with {@code state} (complete or partial). */
    public static void writeMarker(Path dir, String state) {
        String text = "written by lookm; --overwrite may replace this directory\n" + STATE_KEY + state + "\n";
        try {
            Files.writeString(dir.resolve(MARKER), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the marker file " + dir.resolve(MARKER), e);
        }
    }

    /** The marker's state (complete or partial), or null when {@code dir} has no readable marker. */
    public static String markerState(Path dir) {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) return null;
        try {
            for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8))
                if (line.startsWith(STATE_KEY)) return line.substring(STATE_KEY.length()).trim();
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The path with symbolic links resolved as far as it exists (the missing tail appended), so a link or a
     * relative spelling of an input is recognised.
     */
    static Path canonical(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return absolute;
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
        } catch (IOException e) {
            return absolute;
        }
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
