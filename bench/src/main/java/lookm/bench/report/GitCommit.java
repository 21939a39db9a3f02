package lookm.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The git commit of the checkout a class was loaded from (its jar or classes directory), asked of {@code git}. */
final class GitCommit {
    static final String UNKNOWN = "unknown";
    private static final String DIRTY = "-dirty";
    /** git answers in milliseconds; a hung one must not hold up a report. */
    private static final long TIMEOUT_SECONDS = 5;

    private GitCommit() {}

    static String of(Class<?> type) {
        try {
            Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(location) ? location : location.getParent();
            String head = git(dir, "rev-parse", "HEAD");
            if (head == null || head.isEmpty()) return UNKNOWN;
            String status = git(dir, "status", "--porcelain", "--untracked-files=no");
            return status == null || status.isEmpty() ? head : head + DIRTY;
        } catch (Exception e) {
            return UNKNOWN;
        }
    }

    /** git's trimmed stdout, or null when it fails or is missing. */
    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).trim() : null;
    }
}
