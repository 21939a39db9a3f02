package lookm.bench.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The lookm version, from the resource Maven filters at build time ({@code lookm/bench/version.properties}). */
public final class Version {
    private static final String RESOURCE = "/lookm/bench/version.properties";
    private static final String UNKNOWN = "unknown";
    private static final String VALUE = load();

    private Version() {}

    /** E.g. "0.1.0-SNAPSHOT"; "unknown" when run from unfiltered classes. */
    public static String get() { return VALUE; }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return UNKNOWN;
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", UNKNOWN);
            return v.startsWith("${") ? UNKNOWN : v;
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
