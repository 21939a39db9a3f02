package lookm.spark;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import lookm.bench.replay.CellStore;
import lookm.bench.replay.Replay;
import lookm.bench.sweep.SweepEngine;
import lookm.reference.ReferenceBackend;
import lookm.bench.sweep.SweepPlan;

/**
 * {@code lookm sweep --engine spark}: the sweep's missing cells as a Spark job, one task per (trace, layer)
 * ({@link LayerTask}), so each task streams its layer once. Without {@code --master} (and outside spark-submit) it runs
 * in local mode on every core, {@value #DEFAULT_MASTER}, where a failed task is tried up to 4 times as on a cluster.
 * Tasks run in waves; each wave's cells are committed to the run's cell store on the driver as the wave ends, so an
 * interrupted job resumes ({@code --resume}) from the finished waves. Cells come back as their exact encoding
 * ({@link CellStore#encode}), so the table does not depend on partitioning, task order or retries.
 */
public final class SparkSweepEngine implements SweepEngine {
    /** The engine's {@code --engine} name. */
    public static final String NAME = "spark";
    /** Local mode on every core, each task tried up to 4 times (local[N] alone never retries). */
    public static final String DEFAULT_MASTER = "local[*,4]";
    /** Test hook (system property on the driver): "TRACE:LAYER:POLICY:BUDGET" whose task fails on its first attempt. */
    public static final String FAIL_ONCE = "lookm.spark.failOnce";
    /** Test hook (system property on the driver): "TRACE:LAYER:POLICY:BUDGET" that fails on every attempt. */
    public static final String FAIL_ALWAYS = "lookm.spark.failAlways";
    /** Tasks per wave, per unit of Spark's default parallelism: enough to keep every core busy between commits. */
    static final int WAVE_PER_CORE = 8;

    @Override public String name() { return NAME; }

    @Override public Session open(String master, PrintWriter err) { return SparkSweepSession.start(master, err); }

    /** The cells of the plan that the stores do not hold yet, grouped into one task per (trace, layer). */
    static List<LayerTask> missing(SweepPlan plan, List<CellStore> stores, CellStore.Cell[][][] done, Replay.Listener listener) {
        List<LayerTask> tasks = new ArrayList<>();
        List<Replay.Job> jobs;
        try (ReferenceBackend backend = new ReferenceBackend()) {
            jobs = plan.jobs(backend);
        }
        for (int t = 0; t < plan.traces().size(); t++) {
            int layers = plan.traces().get(t).layers();
            done[t] = new CellStore.Cell[jobs.size()][layers];
            for (int l = 0; l < layers; l++) {
                List<Integer> todo = new ArrayList<>();
                for (int j = 0; j < jobs.size(); j++) {
                    done[t][j][l] = stores.get(t).load(j, jobs.get(j), l);
                    if (done[t][j][l] == null) todo.add(j);
                    else listener.done(l, jobs.get(j));
                }
                if (!todo.isEmpty()) tasks.add(new LayerTask(t, l, todo.stream().mapToInt(Integer::intValue).toArray()));
            }
        }
        return tasks;
    }

    /** Splits tasks into waves of at most {@code size}. */
    static List<List<LayerTask>> waves(List<LayerTask> tasks, int size) {
        List<List<LayerTask>> out = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i += size) out.add(tasks.subList(i, Math.min(tasks.size(), i + size)));
        return out;
    }

    /** The message of the failed cells: the first one's, and how many more there were. */
    static Replay.CellFailure failure(List<LayerTask.Outcome> failed) {
        LayerTask.Outcome first = failed.get(0);
        String message = first.error() + (failed.size() > 1 ? " (and " + (failed.size() - 1) + " more failed cells, listed above)" : "");
        RuntimeException cause = first.userError() ? new IllegalArgumentException(first.error()) : new IllegalStateException(first.error());
        return new Replay.CellFailure(message, cause);
    }
}
