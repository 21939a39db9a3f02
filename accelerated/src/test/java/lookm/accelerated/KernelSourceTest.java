package lookm.accelerated;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lookm.accelerated.cl.KernelSource;
import org.junit.jupiter.api.Test;

/** Kernel files sit in stage folders and share one header, inlined on load (no OpenCL needed). */
class KernelSourceTest {
    @Test
    void theSharedHeaderIsInlinedWhereAFileIncludesIt() {
        for (String file : new String[] {"score/causal_column_sums", "merge/cosine_match"}) {
            String source = KernelSource.load(file);
            assertTrue(source.contains("inline void tile_dot("), file + ": header inlined");
            assertFalse(java.util.regex.Pattern.compile("(?m)^#include").matcher(source).find(), file + ": no include left for the compiler");
        }
    }

    @Test
    void aMissingHeaderIsNamedWithTheFileThatIncludesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelSource.withHeaders("#include \"no_such_header.h\"\n", "mine.cl"));
        assertTrue(e.getMessage().contains("no_such_header.h") && e.getMessage().contains("mine.cl"), e.getMessage());
    }
}
