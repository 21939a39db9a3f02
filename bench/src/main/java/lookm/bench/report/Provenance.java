package lookm.bench.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lookm.traces.write.OutputGuard;

/**
 * What a report needs to be rerun: the command line as typed, the commit the app was built from, every option's
 * effective value (defaults included) and a SHA-256 of every input file. Written by every command into its
 * report's {@code run} object ({@link RunInfo}).
 *
 * @param commandLine the arguments after {@code lookm}
 * @param commit      {@link #buildCommit()}
 * @param options     option name to effective value, in declaration order
 * @param inputs      input file to its SHA-256, in sorted order: named by the input's own name ("t/kv.arrow" for a trace
 *                    directory t), so runs on copies of the same trace in different places compare equal
 */
public record Provenance(List<String> commandLine, String commit, Map<String, Object> options, Map<String, String> inputs) {
    private static final int BUFFER = 1 << 16;
    private static final String COMMIT = GitCommit.of(Provenance.class);

    public Provenance {
        commandLine = List.copyOf(commandLine);
        options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /** The git commit of the checkout the app runs from ("-dirty" appended when tracked files changed), or "unknown". */
    public static String buildCommit() { return COMMIT; }

    /**
     * SHA-256 of each regular file under each input (a file, or every file of a directory tree in sorted order; the
     * output marker is skipped).
     */
    public static Map<String, String> checksums(List<Path> inputs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Path input : inputs) {
            if (input == null) continue;
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input)) {
                    walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(OutputGuard.MARKER)).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list the input " + input, e);
                }
            } else if (Files.isRegularFile(input)) files.add(input);
            Path name = input.toAbsolutePath().normalize().getFileName();
            for (Path f : files) out.put(Files.isDirectory(input) ? name.resolve(input.relativize(f)).toString() : name.toString(), sha256(f));
        }
        return out;
    }

    /** The SHA-256 of a file, in lower-case hex. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the input " + file + " to checksum it", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** The fields as an ordered map for the report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("commandLine", commandLine);
        m.put("commit", commit);
        m.put("options", options);
        m.put("inputs", inputs);
        return m;
    }
}
