package lookm.bench.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import lookm.traces.schema.TraceSchema;

/**
 * The traces of {@code sweep --traces DIR_OR_GLOB ...}: each value is a trace directory, a directory whose
 * subdirectories are traces, or a glob over directories ({@code 'runs/*-qwen'}, {@code 'milebench/**'}; quote it so
 * the shell leaves it alone, or let the shell expand it into several values). A directory is a trace when it holds
 * {@code kv.arrow}. Traces are taken in the order given, each value's matches sorted by path; a trace listed twice
 * is refused.
 */
final class TraceSet {
    static final String OPTION = "--traces";
    /** Characters that make a value a glob. */
    private static final String GLOB_CHARS = "*?[{";

    private TraceSet() {}

    /** The traces of the values, in order. @throws IllegalArgumentException naming the value that matches none */
    static List<Path> resolve(List<String> values) {
        if (values == null || values.isEmpty()) throw new IllegalArgumentException(OPTION + " needs at least one directory or glob");
        List<Path> out = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (String value : values) {
            List<Path> matched = matches(value);
            if (matched.isEmpty())
                throw new IllegalArgumentException(OPTION + " " + value + ": matches no trace directory (a directory holding "
                        + TraceSchema.KV_FILE + ")");
            for (Path p : matched)
                if (!seen.add(p.toAbsolutePath().normalize()))
                    throw new IllegalArgumentException(OPTION + ": trace " + p + " is listed twice");
            out.addAll(matched);
        }
        return out;
    }

    private static List<Path> matches(String value) {
        int glob = firstGlobChar(value);
        if (glob < 0) {
            Path dir = Path.of(value);
            if (!Files.isDirectory(dir)) throw new IllegalArgumentException(OPTION + " " + value + ": no such directory");
            if (isTrace(dir)) return List.of(dir);
            return children(dir);
        }
        int slash = value.lastIndexOf('/', glob);
        Path base = slash < 0 ? Path.of("") : Path.of(value.substring(0, slash + 1));
        if (!Files.isDirectory(slash < 0 ? Path.of(".") : base))
            throw new IllegalArgumentException(OPTION + " " + value + ": no such directory " + base);
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + value);
        try (Stream<Path> walk = Files.walk(slash < 0 ? Path.of(".") : base)) {
            return walk.map(p -> slash < 0 ? Path.of(".").relativize(p) : p).filter(Files::isDirectory).filter(matcher::matches)
                    .filter(TraceSet::isTrace).sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException(OPTION + " " + value + ": cannot list " + base + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> children(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isDirectory).filter(TraceSet::isTrace).sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(OPTION + " " + dir + ": cannot list it: " + e.getMessage(), e);
        }
    }

    private static boolean isTrace(Path dir) { return Files.isRegularFile(dir.resolve(TraceSchema.KV_FILE)); }

    private static int firstGlobChar(String value) {
        for (int i = 0; i < value.length(); i++) if (GLOB_CHARS.indexOf(value.charAt(i)) >= 0) return i;
        return -1;
    }
}
