package lookm.spec.plugin;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Function;
import lookm.spec.policy.Alias;
import lookm.spec.policy.Args;
import lookm.spec.policy.Backend;
import lookm.spec.policy.MergeSpec;
import lookm.spec.policy.Param;
import lookm.spec.policy.Policies;
import lookm.spec.policy.ScoreSpec;
import lookm.spec.policy.SelectSpec;
import lookm.spec.policy.Stage;
import lookm.spec.policy.UnsupportedVariantException;
import lookm.spec.policy.Variant;
import lookm.spec.policy.Variants;

/**
 * The installed plugins. {@link #install(ClassLoader)} finds every {@link LookmPlugin} the loader provides and
 * registers its stages (as {@link Variant}s building the {@code Custom} spec records) and its named policies. The
 * plugins on the application class path are installed on first use; jars are added by the app ({@code --plugin}).
 */
public final class Plugins {
    private static final Map<Stage, Map<String, CustomStage<?>>> STAGES = new EnumMap<>(Stage.class);
    private static final Map<String, LookmPlugin> INSTALLED = new LinkedHashMap<>();
    private static boolean classPathScanned;

    private Plugins() {}

    /** Installs the plugins on the class path of this library (once). */
    public static synchronized void installClassPath() {
        if (classPathScanned) return;
        classPathScanned = true;
        install(Plugins.class.getClassLoader());
    }

    /**
     * Installs every plugin {@code loader} provides that is not installed yet; returns the names of all it provides
     * (a plugin of the same name and class installed before counts as provided).
     *
     * @throws IllegalArgumentException when a plugin's name, keyword or policy name is already taken, naming both
     */
    public static synchronized List<String> install(ClassLoader loader) {
        List<String> added = new ArrayList<>();
        for (LookmPlugin plugin : ServiceLoader.load(LookmPlugin.class, loader)) {
            LookmPlugin old = INSTALLED.get(plugin.name());
            if (old != null) {
                if (!old.getClass().getName().equals(plugin.getClass().getName()))
                    throw new IllegalArgumentException("plugin name '" + plugin.name() + "' of " + plugin.getClass().getName()
                            + " is taken by " + old.getClass().getName());
                added.add(plugin.name());
                continue;
            }
            for (CustomStage<?> s : plugin.scorers()) add(plugin, Stage.SCORE, s, a -> new ScoreSpec.Custom(s.keyword(), a));
            for (CustomStage<?> s : plugin.selectors()) add(plugin, Stage.SELECT, s, a -> new SelectSpec.Custom(s.keyword(), a));
            for (CustomStage<?> s : plugin.mergers()) add(plugin, Stage.MERGE, s, a -> new MergeSpec.Custom(s.keyword(), a));
            INSTALLED.put(plugin.name(), plugin);
            for (Alias alias : plugin.policies()) Policies.register(alias);
            added.add(plugin.name());
        }
        return added;
    }

    private static <S> void add(LookmPlugin plugin, Stage stage, CustomStage<?> s, Function<Args, S> build) {
        if (Policies.isRegistered(s.keyword()))
            throw new IllegalArgumentException("plugin " + plugin.name() + ": keyword '" + s.keyword() + "' is taken by a registered policy");
        Variants.register(Variant.of(stage, s.keyword(), s.description() + " (plugin " + plugin.name() + ")", build,
                spec -> List.copyOf(args(spec).values().values()), s.params().toArray(new Param[0])));
        STAGES.computeIfAbsent(stage, k -> new LinkedHashMap<>()).put(s.keyword(), s);
    }

    private static Args args(Object custom) {
        if (custom instanceof ScoreSpec.Custom c) return c.args();
        if (custom instanceof SelectSpec.Custom c) return c.args();
        return ((MergeSpec.Custom) custom).args();
    }

    /** Names of the installed plugins. */
    public static synchronized List<String> installed() { return new ArrayList<>(INSTALLED.keySet()); }

    /** The custom stage of {@code keyword}; an unknown one names the installed plugins. */
    public static synchronized CustomStage<?> stage(Stage stage, String keyword) {
        CustomStage<?> s = STAGES.getOrDefault(stage, Map.of()).get(keyword);
        if (s == null) throw new IllegalArgumentException("no installed plugin provides the " + stage.keyword() + " variant '" + keyword
                + "'; installed plugins: " + (INSTALLED.isEmpty() ? "none" : String.join(", ", INSTALLED.keySet())));
        return s;
    }

    /** The implementation of a custom stage on {@code backend}, or empty when the plugin has none for it. */
    public static <T> Optional<T> implementation(Stage stage, String keyword, Args args, String backend, Class<T> type) {
        Function<Args, ?> build = stage(stage, keyword).backends().get(backend);
        return build == null ? Optional.empty() : Optional.of(type.cast(build.apply(args)));
    }

    /** Whether {@code backend} runs the custom stage {@code keyword}; a refusal names the backends that do. */
    public static Backend.Support support(Stage stage, String keyword, String backend) {
        if (stage(stage, keyword).backends().containsKey(backend)) return Backend.Support.YES;
        return Backend.Support.no("plugin " + stage.keyword() + " '" + keyword + "' has no " + backend
                + " implementation (it runs on: " + backendsOf(stage, keyword) + ")");
    }

    /**
     * The implementation of a custom stage on {@code backend}.
     *
     * @throws UnsupportedVariantException when the plugin has none for it
     */
    public static <T> T require(Stage stage, String keyword, Args args, String backend, Class<T> type) {
        return implementation(stage, keyword, args, backend, type).orElseThrow(() -> new UnsupportedVariantException(
                keyword, backend, support(stage, keyword, backend).reason()));
    }

    /** The backends a custom stage runs on, for messages. */
    public static String backendsOf(Stage stage, String keyword) {
        return String.join(", ", new TreeSet<>(stage(stage, keyword).backends().keySet()));
    }
}
