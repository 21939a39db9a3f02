package lookm.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lookm.properties.contract.OpenClDevice;
import lookm.reference.ReferenceBackend;
import lookm.spec.policy.Backend;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.UnsupportedVariantException;
import lookm.spec.policy.Variants;
import org.junit.jupiter.api.Test;

/**
 * Every backend handles or explicitly refuses every variant: for each record of the sealed specs (found through the
 * permitted subclasses, so a new record cannot be missed) and for the example plugin's stage, a backend either
 * supports it and builds the stage, or says why not and refuses it with that reason.
 */
class BackendCompletenessTest {
    /** One instance of every built-in record (its defaults) and of the plugin's scorer. */
    static List<Object> everyVariant() {
        List<Object> out = new ArrayList<>();
        for (Class<?> sealed : List.of(ScoreSpec.class, SelectSpec.class, MergeSpec.class))
            for (Class<?> record : sealed.getPermittedSubclasses())
                if (!Variants.isCustom(record)) out.add(Variants.kind(record).parse(Map.of(), record.getSimpleName()));
        out.add(Policies.named("example-knorm").score());
        return out;
    }

    private static void handlesOrRefuses(Backend backend) {
        for (Object variant : everyVariant()) {
            Backend.Support s = variant instanceof ScoreSpec sc ? backend.supports(sc)
                    : variant instanceof SelectSpec se ? backend.supports(se) : backend.supports((MergeSpec) variant);
            Runnable build = () -> assertNotNull(variant instanceof ScoreSpec sc ? backend.scorer(sc)
                    : variant instanceof SelectSpec se ? backend.selector(se) : backend.merger((MergeSpec) variant));
            if (s.supported()) build.run();
            else {
                assertFalse(s.reason().isBlank(), backend.name() + " refuses " + variant + " without a reason");
                UnsupportedVariantException e = assertThrows(UnsupportedVariantException.class, build::run);
                assertTrue(e.getMessage().contains(s.reason()), e.getMessage());
            }
        }
    }

    @Test
    void theReferenceRunsEveryVariantIncludingThePlugins() {
        ReferenceBackend reference = new ReferenceBackend();
        handlesOrRefuses(reference);
        for (Object v : everyVariant()) assertTrue(v instanceof ScoreSpec sc ? reference.supports(sc).supported() : true);
    }

    @Test
    void theOpenClBackendRunsEveryBuiltInAndRefusesThePluginScorerVisibly() {
        Backend opencl = OpenClDevice.backendOrSkip();
        handlesOrRefuses(opencl);
        List<Object> variants = everyVariant();
        long refused = variants.stream().filter(v -> v instanceof ScoreSpec sc && !opencl.supports(sc).supported()).count();
        assertEquals(1, refused, "only the reference-only plugin scorer is refused");
    }
}
