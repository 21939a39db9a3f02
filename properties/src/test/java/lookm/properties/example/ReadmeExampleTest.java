package lookm.properties.example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's variant example is the compiled example, verbatim (so the README cannot drift from code that compiles). */
class ReadmeExampleTest {
    /** The module's README and the project's. */
    static final Path[] READMES = {Path.of("README.md"), Path.of("../README.md")};
    static final Path EXAMPLES = Path.of("src/test/java/lookm/properties/example");

    @Test
    void theReadmeShowsTheExampleVariantItsContractTestAndThePluginVerbatim() throws IOException {
        String project = Files.readString(READMES[1]);
        for (String file : new String[] {"plugin/SmallestKeyNormScore.java", "plugin/ExamplePlugin.java"}) {
            String source = Files.readString(EXAMPLES.resolve(file)).strip();
            assertTrue(project.contains(source), () -> "README.md must contain " + file + " verbatim; copy it from " + EXAMPLES.resolve(file));
        }
        for (Path readme : READMES) {
            String text = Files.readString(readme);
            for (String file : new String[] {"KeyNormImageScore.java", "KeyNormImageVariantTest.java"}) {
                String source = Files.readString(EXAMPLES.resolve(file)).strip();
                assertTrue(text.contains(source), () -> readme + " must contain " + file + " verbatim; copy it from " + EXAMPLES.resolve(file));
            }
        }
    }
}
