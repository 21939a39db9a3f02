package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Param;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Stage;
import lookm.spec.policy.Variant;
import lookm.spec.policy.Variants;
import org.junit.jupiter.api.Test;

/**
 * Every record of the sealed specs describes itself (a KIND of the right stage whose parameters have defaults in
 * range), and its text round-trips: a new record or parameter that forgets one of these fails here.
 */
class VariantCompletenessTest {
    private static final Map<Class<?>, Stage> SEALED = Map.of(ScoreSpec.class, Stage.SCORE, SelectSpec.class, Stage.SELECT, MergeSpec.class, Stage.MERGE);

    @Test
    void everyBuiltInRecordDeclaresItsVariantAndRoundTrips() {
        SEALED.forEach((sealed, stage) -> {
            for (Class<?> record : sealed.getPermittedSubclasses()) {
                if (Variants.isCustom(record)) continue;
                Variant<?> kind = Variants.kind(record);
                assertEquals(stage, kind.stage(), record.getName());
                assertEquals(kind, Variants.keyword(kind.keyword()), record.getName() + " is registered under its keyword");
                Object defaults = kind.parse(Map.of(), "defaults of " + kind.keyword());
                assertEquals(record, defaults.getClass(), kind.keyword() + " builds its own record");
                assertEquals(defaults, kind.parse(texts(kind, defaults), "round trip"), kind.keyword() + ": parse(print(x)) == x");
                for (Param p : kind.params()) {
                    assertNotNull(p.defaultText(), kind.keyword() + "." + p.name() + " has a default");
                    assertTrue(!p.describe().isBlank() && !p.allowed().isBlank());
                }
            }
        });
    }

    @Test
    void keywordsAreUniqueAcrossStages() {
        List<Variant<?>> all = new java.util.ArrayList<>();
        for (Stage s : Stage.values()) all.addAll(Variants.of(s));
        assertEquals(all.size(), all.stream().map(Variant::keyword).distinct().count());
    }

    @SuppressWarnings("unchecked")
    private static <S> Map<String, String> texts(Variant<S> v, Object spec) { return v.texts((S) spec); }
}
