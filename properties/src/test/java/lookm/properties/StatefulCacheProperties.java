package lookm.properties;

import lookm.properties.contract.CacheScript;
import lookm.properties.contract.StatefulCache;
import lookm.properties.qt.ReplayExtension;
import lookm.properties.qt.Theories;
import lookm.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Property 8: a cache grown by text runs, images and decode steps and compressed at random points by the registered
 * policies keeps every invariant after every step; a failure prints the script up to the failing step.
 */
@ExtendWith(ReplayExtension.class)
class StatefulCacheProperties {
    /** Scripts per run, as a multiple of -Dlookm.examples (each script compresses a few times). */
    static final double SCALE = 3;

    @Test
    void invariantsHoldAfterEveryStepOfAGrowingAndCompressedCache() {
        ReferenceBackend reference = new ReferenceBackend();
        Theories.check(SCALE, CacheScript.draw(), script -> StatefulCache.run(script, reference));
    }
}
