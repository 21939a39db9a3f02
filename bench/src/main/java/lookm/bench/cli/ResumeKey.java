package lookm.bench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lookm.bench.report.OutputDirectory;
import lookm.bench.report.Provenance;

/**
 * What a resumable run must share with the interrupted run it continues: every option's effective value (except
 * those that do not change results: where the output goes, whether to overwrite or resume, verbosity) and the
 * checksums of its inputs. Kept as {@code resume-key.txt} in the partial output; a mismatch is refused, naming the
 * first option that differs.
 */
final class ResumeKey {
    static final String FILE = "resume-key.txt";
    /**
     * Options that do not change a run's results; among them where a sweep's cells run ({@code --engine}, {@code --master}:
     * every engine computes a cell with the same function), so a run started on one engine may be continued on another.
     */
    private static final Set<String> IGNORED = Set.of("--out", "--overwrite", "--resume", "--quiet", "--verbose", "--engine", "--master");
    private static final String INPUT = "input #";

    private ResumeKey() {}

    /** Writes the key (a new run) or checks it against the kept one ({@code resume}). */
    static void bind(OutputDirectory dir, Provenance provenance, boolean resume) {
        List<String> key = lines(provenance);
        if (!resume) {
            dir.writeString(FILE, String.join("\n", key) + "\n");
            return;
        }
        Path file = dir.resolve(FILE);
        List<String> kept;
        try {
            kept = Files.isRegularFile(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (kept == null) throw new IllegalArgumentException(dir.staging() + " has no " + FILE + "; it cannot be resumed: rerun with --overwrite");
        for (int i = 0; i < Math.max(kept.size(), key.size()); i++) {
            String was = i < kept.size() ? kept.get(i) : "(nothing)", now = i < key.size() ? key.get(i) : "(nothing)";
            if (!was.equals(now))
                throw new IllegalArgumentException("--resume: the interrupted run in " + dir.staging() + " had " + was + ", this one has " + now
                        + "; resume with the same options and inputs, or start over with --overwrite");
        }
    }

    /** Removes the key once the run is complete. */
    static void release(OutputDirectory dir) {
        try {
            Files.deleteIfExists(dir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir.resolve(FILE), e);
        }
    }

    private static List<String> lines(Provenance p) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : p.options().entrySet())
            if (!IGNORED.contains(e.getKey())) out.add(e.getKey() + " = " + e.getValue());
        int i = 0;
        for (String sha : p.inputs().values()) out.add(INPUT + i++ + " sha256 = " + sha);
        return out;
    }
}
