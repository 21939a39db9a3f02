package lookm.bench.cli;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lookm.spec.plugin.Plugins;

/**
 * Installs plugin jars ({@code --plugin PATH}, repeatable, and {@code LOOKM_PLUGINS}, a path list) through one
 * URLClassLoader before a command runs, so their stages and policies are known to every command.
 */
final class PluginJars {
    /** The environment variable with plugin jars, separated by the platform's path separator. */
    static final String ENV = "LOOKM_PLUGINS";
    static final String OPTION = "--plugin";

    private PluginJars() {}

    /** The plugin paths of {@code args} ({@code --plugin P} or {@code --plugin=P}) and of {@code env}, in that order. */
    static List<Path> paths(String[] args, String env) {
        List<Path> out = new ArrayList<>();
        if (env != null) for (String p : env.split(File.pathSeparator)) if (!p.isBlank()) out.add(Path.of(p.trim()));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) break;
            if (args[i].equals(OPTION)) {
                if (i + 1 >= args.length) throw new IllegalArgumentException(OPTION + " needs a jar path");
                out.add(Path.of(args[++i]));
            } else if (args[i].startsWith(OPTION + "=")) out.add(Path.of(args[i].substring(OPTION.length() + 1)));
        }
        return out;
    }

    /**
     * Loads the jars and installs their plugins; returns the names installed.
     *
     * @throws IllegalArgumentException naming a path that is missing, or a jar that provides no plugin
     */
    static List<String> install(List<Path> jars) {
        if (jars.isEmpty()) return List.of();
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            if (!Files.isReadable(jar)) throw new IllegalArgumentException(OPTION + " " + jar + ": no such readable file");
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException(OPTION + " " + jar + ": not a valid path: " + e.getMessage());
            }
        }
        Plugins.installClassPath();
        URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), PluginJars.class.getClassLoader());
        List<String> names = Plugins.install(loader);
        if (names.isEmpty())
            throw new IllegalArgumentException(OPTION + " " + jars + ": provides no plugin (a class implementing lookm.spec.plugin.LookmPlugin "
                    + "listed in META-INF/services/lookm.spec.plugin.LookmPlugin)");
        return names;
    }
}
