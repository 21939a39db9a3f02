package lookm.bench.sweep;

import java.io.PrintWriter;
import java.util.List;
import java.util.ServiceLoader;
import lookm.bench.replay.CellStore;
import lookm.bench.replay.Replay;
import lookm.bench.report.OutputDirectory;

/**
 * Where a sweep's cells are computed when not on this JVM ({@code lookm sweep --engine NAME}): an engine found through
 * {@link ServiceLoader} (the {@code spark} module provides {@code spark}). The sweep itself (options, checks, output,
 * provenance, tables, plots) stays {@code SweepRun}'s; an engine only computes the missing cells of a {@link SweepPlan},
 * each through {@link Replay#cell}, and may add tables to the output.
 */
public interface SweepEngine {
    /** The engine's name, as {@code --engine} takes it. */
    String name();

    /**
     * Starts the engine.
     *
     * @param master where to run (engine-specific, e.g. a Spark master URL), or null for the engine's default
     * @param err    for what the user should see (warnings, where the job runs)
     * @throws IllegalArgumentException for a master the engine cannot use (exit 2)
     */
    Session open(String master, PrintWriter err);

    /** A started engine. */
    interface Session extends AutoCloseable {
        /** Where the cells run, for the report (e.g. "spark local[*,4]"). */
        String describe();

        /**
         * Computes every missing cell of the plan: {@code cells.get(t)} is trace t's store, whose kept cells are read back
         * and into which each computed cell is committed. Every cell that can finish does, also when others fail.
         *
         * @return per trace, {@code done[job][layer]}, every cell present
         * @throws Replay.CellFailure after committing the others, naming trace, layer, policy and budget of each failed
         *                            cell (the first one's cause decides the exit code)
         */
        List<CellStore.Cell[][]> compute(SweepPlan plan, List<CellStore> cells, Replay.Listener listener);

        /** Writes the engine's own form of the tidy per-cell table into the output (Spark: Parquet); default none. */
        default void writeTables(CellTable table, OutputDirectory dir) {}

        @Override void close();
    }

    /**
     * The engine named {@code name} on the class path.
     *
     * @throws IllegalArgumentException when none is installed, saying how to get it
     */
    static SweepEngine find(String name) {
        for (SweepEngine e : ServiceLoader.load(SweepEngine.class)) if (e.name().equals(name)) return e;
        throw new IllegalArgumentException("--engine " + name + ": no such sweep engine on the class path; the Spark engine is the"
                + " 'spark' module: build it with 'mvn -q -pl spark -am package -DskipTests' and run bench/lookm sweep ... --engine spark"
                + " (the launcher then uses spark/target/lookm-spark.jar)");
    }
}
