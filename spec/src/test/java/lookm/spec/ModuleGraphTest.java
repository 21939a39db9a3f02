package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The module graph is a one-way street (house style G1), checked on the sources: spec imports only the JDK;
 * no module's main code imports a module that is not below it.
 */
class ModuleGraphTest {
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    /** For each module, the lookm packages its main code must not import. */
    private static final Map<String, List<String>> FORBIDDEN = Map.of(
            "spec", List.of("lookm.reference", "lookm.accelerated", "lookm.traces", "lookm.properties", "lookm.bench", "lookm.spark"),
            "reference", List.of("lookm.accelerated", "lookm.traces", "lookm.properties", "lookm.bench", "lookm.spark"),
            "accelerated", List.of("lookm.reference", "lookm.traces", "lookm.properties", "lookm.bench", "lookm.spark"),
            "traces", List.of("lookm.reference", "lookm.accelerated", "lookm.properties", "lookm.bench", "lookm.spark"),
            "properties", List.of("lookm.bench", "lookm.spark"),
            // Spark stays out of the default path: the app finds the spark module's engine only through ServiceLoader
            "bench", List.of("lookm.spark", "org.apache.spark"));

    @Test void specImportsOnlyTheJdk() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : sources(Paths.get("src/main/java")))
            for (String imported : imports(file))
                if (!imported.startsWith("java.") && !imported.startsWith("lookm.spec")) offenders.add(file.getFileName() + ": " + imported);
        assertEquals(List.of(), offenders);
    }

    @Test void noModuleImportsAModuleAboveIt() throws IOException {
        Path root = Paths.get("..").toAbsolutePath().normalize();
        assertTrue(Files.exists(root.resolve("pom.xml")), "run from the spec module of the checkout");
        List<String> offenders = new ArrayList<>();
        for (var e : FORBIDDEN.entrySet())
            for (Path file : sources(root.resolve(e.getKey()).resolve("src/main/java")))
                for (String imported : imports(file))
                    for (String forbidden : e.getValue())
                        if (imported.startsWith(forbidden + ".")) offenders.add(e.getKey() + "/" + file.getFileName() + ": " + imported);
        assertEquals(List.of(), offenders);
    }

    private static List<Path> sources(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (var files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    private static List<String> imports(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = IMPORT.matcher(Files.readString(file));
        while (m.find()) out.add(m.group(1));
        return out;
    }
}
