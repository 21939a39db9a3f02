package lookm.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lookm.spec.plugin.CustomStage;
import lookm.spec.plugin.LookmPlugin;
import lookm.spec.plugin.Plugins;
import lookm.spec.policy.Alias;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Merger;
import lookm.spec.policy.Param;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.Scorer;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Selector;
import lookm.spec.tensor.Scores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugins through ServiceLoader: their keywords and policies parse and print like built-ins; clashes are named. */
class PluginsTest {
    @TempDir Path tmp;

    /** A plugin with one parameterised reference-only scorer ("constant") and a policy using it. */
    public static final class Good implements LookmPlugin {
        @Override public String name() { return "test-good"; }

        @Override public List<CustomStage<Scorer>> scorers() {
            return List.of(CustomStage.reference("test-constant", "every score equal to level", Set.of(),
                    args -> (block, observation, budget) -> new Scores(new float[block.heads() * block.tokens()], block.heads(), block.tokens()),
                    Param.integer("level", 0, 9, 1, "the constant")));
        }

        @Override public List<Alias> policies() {
            return List.of(new Alias("test-constant-h2o", "constant scores, top-k, dropped", "score=test-constant select=topk merge=drop", ""));
        }
    }

    /** Takes a built-in keyword. */
    public static final class KeywordClash implements LookmPlugin {
        @Override public String name() { return "test-keyword-clash"; }

        @Override public List<CustomStage<Scorer>> scorers() {
            return List.of(CustomStage.reference("attention", "", Set.of(), args -> (block, observation, budget) -> null));
        }
    }

    /** Takes a built-in policy name. */
    public static final class PolicyClash implements LookmPlugin {
        @Override public String name() { return "test-policy-clash"; }

        @Override public List<Alias> policies() { return List.of(new Alias("lookm", "", "score=none select=keepall merge=drop", "")); }
    }

    /** A loader that provides exactly {@code plugin} as the LookmPlugin service. */
    private ClassLoader providing(Class<? extends LookmPlugin> plugin) throws IOException {
        Path services = tmp.resolve(plugin.getSimpleName());
        Files.writeString(services, plugin.getName() + "\n");
        URL url = services.toUri().toURL();
        return new ClassLoader(getClass().getClassLoader()) {
            @Override public Enumeration<URL> getResources(String name) throws IOException {
                return name.equals("META-INF/services/" + LookmPlugin.class.getName()) ? Collections.enumeration(List.of(url)) : super.getResources(name);
            }
        };
    }

    /** A backend that is not the reference: it runs no plugin stage. */
    private static final Backend ELSEWHERE = new Backend() {
        @Override public String name() { return "elsewhere"; }

        @Override public String device() { return "none"; }

        @Override public Scorer scorer(ScoreSpec spec) { throw new UnsupportedOperationException(); }

        @Override public Selector selector(SelectSpec spec) { throw new UnsupportedOperationException(); }

        @Override public Merger merger(lookm.spec.policy.MergeSpec spec) { throw new UnsupportedOperationException(); }
    };

    @Test
    void aPluginsStagesAndPoliciesParsePrintAndSaySupportLikeBuiltIns() throws IOException {
        assertEquals(List.of("test-good"), Plugins.install(providing(Good.class)));
        PolicySpec p = Policies.named("test-constant-h2o");
        assertEquals("score=test-constant(level=1) select=topk(sinks=0,window=R,ties=position) merge=drop", p.expression());
        assertEquals(p, Policies.parse(p.expression()));
        assertEquals(new ScoreSpec.Custom("test-constant", new lookm.spec.policy.Args(Map.of("level", 3))), Policies.parse("test-constant-h2o(level=3)").score());
        PolicyExpressionTestSupport.rejects("test-constant-h2o(level=12)", "level=12", "integer in [0, 9]");
        Backend.Support s = ELSEWHERE.supports(p);
        assertFalse(s.supported());
        assertTrue(s.reason().contains("has no elsewhere implementation (it runs on: reference)"), s.reason());
        assertEquals(List.of("test-good"), Plugins.install(providing(Good.class)), "installing again is harmless");
    }

    @Test
    void aPluginCannotTakeABuiltInKeywordOrPolicyName() throws IOException {
        IllegalArgumentException keyword = assertThrows(IllegalArgumentException.class, () -> Plugins.install(providing(KeywordClash.class)));
        assertTrue(keyword.getMessage().contains("'attention' is already taken"), keyword.getMessage());
        IllegalArgumentException policy = assertThrows(IllegalArgumentException.class, () -> Plugins.install(providing(PolicyClash.class)));
        assertTrue(policy.getMessage().contains("'lookm' is already registered"), policy.getMessage());
    }
}
