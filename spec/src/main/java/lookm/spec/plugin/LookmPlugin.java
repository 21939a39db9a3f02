package lookm.spec.plugin;

import java.util.List;
import lookm.spec.policy.Alias;
import lookm.spec.policy.Merger;
import lookm.spec.policy.Scorer;
import lookm.spec.policy.Selector;

/**
 * The provider interface of a plugin jar (a {@link java.util.ServiceLoader} service: list the implementing class in
 * {@code META-INF/services/lookm.spec.plugin.LookmPlugin}). A plugin adds scorers, selectors and mergers, each under
 * an expression keyword, and named policies; they then run through replay, sweep, bench, the contract suite and
 * reports exactly like built-ins. Installed by {@link Plugins#install}; {@code lookm --plugin JAR} or
 * {@code LOOKM_PLUGINS} in the app.
 */
public interface LookmPlugin {
    /** Short name, for messages and {@code lookm policies}. */
    String name();

    default List<CustomStage<Scorer>> scorers() { return List.of(); }

    default List<CustomStage<Selector>> selectors() { return List.of(); }

    default List<CustomStage<Merger>> mergers() { return List.of(); }

    /** Named policies, as expressions over built-in and this plugin's keywords. */
    default List<Alias> policies() { return List.of(); }
}
