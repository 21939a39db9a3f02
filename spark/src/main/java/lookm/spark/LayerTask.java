package lookm.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import lookm.bench.cli.LookmCli;
import lookm.bench.replay.CellStore;
import lookm.bench.replay.Replay;
import lookm.bench.sweep.SweepPlan;
import lookm.reference.ReferenceBackend;
import lookm.traces.schema.TraceLayer;

/**
 * One Spark task: the missing cells of one (trace, layer), so the task streams that layer once and every listed job
 * compresses it. Each cell is computed as {@link Replay#cell}, the local sweep's function, computes it (through {@link Replay.LayerCells},
 * which shares the fidelity's full-cache side among the task's jobs); a cell that fails becomes a
 * failed {@link Outcome} naming it, so the task (and the other cells) still finish. The task itself fails only when
 * something outside a cell does (an executor lost, the failure hook): Spark then retries it.
 *
 * @param trace the trace's index in the plan
 * @param layer the layer
 * @param jobs  the indices of the jobs whose cell at this layer is missing, ascending
 */
record LayerTask(int trace, int layer, int[] jobs) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One cell's result: the encoded cell ({@link CellStore#encode}, exact bits), or why it failed and whether that is the user's to fix. */
    record Outcome(int trace, int layer, int job, String cell, String error, boolean userError) implements Serializable {
        private static final long serialVersionUID = 1L;

        boolean failed() { return cell == null; }
    }

    /**
     * Failure hooks for tests, "TRACE:LAYER:POLICY:BUDGET" (trace index, layer, policy name, budget fraction as in the
     * table), or null: {@code failOnce} fails the whole task holding that cell on its first attempt (Spark retries it);
     * {@code failAlways} makes that cell fail on every attempt (reported, the others finish).
     */
    record Hooks(String failOnce, String failAlways) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Runs the task.
     *
     * @param run     the run's id (readers are shared between the tasks of one run only, {@link ReaderPool})
     * @param attempt Spark's attempt number (0 first)
     */
    List<Outcome> run(SweepPlan plan, String run, Hooks hooks, int attempt) {
        SweepPlan.TraceEntry entry = plan.traces().get(trace);
        List<Outcome> out = new ArrayList<>();
        try (ReferenceBackend backend = new ReferenceBackend()) {
            List<Replay.Job> all = plan.jobs(backend);
            List<Replay.Job> mine = Arrays.stream(jobs).mapToObj(all::get).toList();
            for (Replay.Job job : mine)
                if (attempt == 0 && names(hooks.failOnce(), job))
                    throw new IllegalStateException("injected task failure (" + SparkSweepEngine.FAIL_ONCE + ") at " + key(job) + ", attempt " + attempt);
            TraceLayer read;
            try {
                read = ReaderPool.with(run, Path.of(entry.path()), reader -> reader.layer(layer, Replay.parts(mine)));
            } catch (RuntimeException e) {                              // the layer cannot be read: each of its cells fails so
                for (int j : jobs) out.add(failure(j, "trace " + entry.label() + ", layer " + layer + ": " + e.getMessage(), e));
                return out;
            }
            Replay.LayerCells cells = new Replay.LayerCells(read);      // the fidelity's full-cache side once for the task's jobs
            for (int i = 0; i < jobs.length; i++) {
                Replay.Job job = mine.get(i);
                try {
                    if (names(hooks.failAlways(), job))
                        throw new Replay.CellFailure(Replay.CellFailure.where(job, layer) + ": injected cell failure (" + SparkSweepEngine.FAIL_ALWAYS + ")",
                                new IllegalStateException("injected"));
                    CellStore.Cell cell = cells.cell(job, plan.context(trace, job, layer), entry.bytes());
                    out.add(new Outcome(trace, layer, jobs[i], CellStore.encode(cell), null, false));
                } catch (RuntimeException e) {
                    out.add(failure(jobs[i], "trace " + entry.label() + ", " + e.getMessage(), e));
                }
            }
        }
        return out;
    }

    private Outcome failure(int job, String message, RuntimeException e) {
        return new Outcome(trace, layer, job, null, message, LookmCli.isUserError(e));
    }

    /** "TRACE:LAYER:POLICY:BUDGET" of a cell of this task. */
    String key(Replay.Job job) {
        return String.format(Locale.ROOT, "%d:%d:%s:%s", trace, layer, job.policy(), job.budgetFraction());
    }

    private boolean names(String hook, Replay.Job job) { return hook != null && hook.equals(key(job)); }
}
