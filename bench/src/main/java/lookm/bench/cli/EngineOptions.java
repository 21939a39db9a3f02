package lookm.bench.cli;

import picocli.CommandLine.Option;

/** {@code --engine local|spark} and {@code --master URL}: where {@code sweep} computes its cells. */
final class EngineOptions {
    /** This JVM, the default. */
    static final String LOCAL = "local";

    @Option(names = "--engine", paramLabel = "NAME", defaultValue = LOCAL,
            description = "Where the cells run: 'local' (this JVM, default) or 'spark' (a Spark job; needs the spark module, see bench/README.md).")
    String engine;

    @Option(names = "--master", paramLabel = "URL",
            description = "With --engine spark: the Spark master (default local[*,4]: every core, a failed task tried up to 4 times; "
                    + "under spark-submit, its --master).")
    String master;

    boolean local() { return LOCAL.equals(engine); }
}
