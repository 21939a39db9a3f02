package lookm.spark;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import lookm.bench.replay.CellStore;
import lookm.bench.replay.Replay;
import lookm.bench.report.OutputDirectory;
import lookm.bench.sweep.CellTable;
import lookm.bench.sweep.SweepEngine;
import lookm.bench.sweep.SweepPlan;
import lookm.reference.ReferenceBackend;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** A started Spark application computing sweep cells; {@link #close()} stops it. */
final class SparkSweepSession implements SweepEngine.Session {
    /** The Parquet form of the per-cell table, beside sweep-cells.csv. */
    static final String PARQUET = "sweep-cells.parquet";
    /** The application's name in the Spark UI and the cluster's lists. */
    static final String APP_NAME = "lookm sweep";
    /** Nanoseconds per second. */
    private static final double NANOS = 1e9;

    private final SparkSession spark;
    private final PrintWriter err;

    private SparkSweepSession(SparkSession spark, PrintWriter err) {
        this.spark = spark;
        this.err = err;
    }

    /**
     * Starts Spark on {@code master}; null: spark-submit's master when there is one, else {@value SparkSweepEngine#DEFAULT_MASTER}.
     *
     * @throws IllegalArgumentException naming the master when Spark cannot start on it
     */
    static SparkSweepSession start(String master, PrintWriter err) {
        String chosen = master != null ? master : System.getProperty("spark.master") == null ? SparkSweepEngine.DEFAULT_MASTER : null;
        SparkSession.Builder builder = SparkSession.builder().appName(APP_NAME).config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false");
        if (chosen != null) builder.master(chosen);
        if (chosen != null && chosen.startsWith("local")) builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        try {
            long t0 = System.nanoTime();
            SparkSweepSession session = new SparkSweepSession(builder.getOrCreate(), err);
            err.printf(Locale.ROOT, "lookm sweep: spark started in %.2f s on %s%n", (System.nanoTime() - t0) / NANOS, session.describe());
            return session;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--master " + (chosen == null ? System.getProperty("spark.master") : chosen)
                    + ": Spark did not start: " + e.getMessage(), e);
        }
    }

    @Override public String describe() {
        int cores = spark.sparkContext().defaultParallelism();
        return "spark " + spark.sparkContext().master() + " (" + cores + (cores == 1 ? " core)" : " cores)");
    }

    @Override public List<CellStore.Cell[][]> compute(SweepPlan plan, List<CellStore> cells, Replay.Listener listener) {
        CellStore.Cell[][][] done = new CellStore.Cell[plan.traces().size()][][];
        List<LayerTask> tasks = SparkSweepEngine.missing(plan, cells, done, listener);
        List<Replay.Job> jobs;
        try (ReferenceBackend backend = new ReferenceBackend()) {
            jobs = plan.jobs(backend);
        }
        long start = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SweepPlan> shared = jsc.broadcast(plan);
        String run = UUID.randomUUID().toString();
        LayerTask.Hooks hooks = new LayerTask.Hooks(System.getProperty(SparkSweepEngine.FAIL_ONCE), System.getProperty(SparkSweepEngine.FAIL_ALWAYS));
        List<LayerTask.Outcome> failed = new ArrayList<>();
        int wave = Math.max(1, SparkSweepEngine.WAVE_PER_CORE * jsc.defaultParallelism());
        try {
            computeWaves(jsc, SparkSweepEngine.waves(tasks, wave), shared, run, hooks, jobs, done, cells, listener, failed);
        } finally {
            ReaderPool.clear(run);                                              // local mode: the executor is this JVM
        }
        double seconds = (System.nanoTime() - start) / NANOS;
        long cellCount = tasks.stream().mapToLong(t -> t.jobs().length).sum();
        err.printf(Locale.ROOT, "lookm sweep: spark computed %d cells (%d tasks) in %.2f s, %.1f cells/s, on %s%n", cellCount, tasks.size(),
                seconds, cellCount / seconds, describe());
        if (!failed.isEmpty()) throw SparkSweepEngine.failure(failed);
        return List.of(done);
    }

    /** Runs the waves one after the other, committing each wave's cells; failed cells are collected into {@code failed}. */
    private void computeWaves(JavaSparkContext jsc, List<List<LayerTask>> waves, Broadcast<SweepPlan> shared, String run, LayerTask.Hooks hooks,
                              List<Replay.Job> jobs, CellStore.Cell[][][] done, List<CellStore> cells, Replay.Listener listener,
                              List<LayerTask.Outcome> failed) {
        for (List<LayerTask> part : waves) {
            List<LayerTask.Outcome> outcomes;
            try {
                outcomes = jsc.parallelize(new ArrayList<>(part), part.size())      // one partition per (trace, layer)
                        .flatMap(task -> task.run(shared.value(), run, hooks, TaskContext.get().attemptNumber()).iterator()).collect();
            } catch (Exception e) {                                              // SparkException is checked, thrown unchecked
                throw new IllegalStateException("the Spark job failed (a task failed on every attempt): " + rootMessage(e), e);
            }
            for (LayerTask.Outcome o : outcomes) {
                Replay.Job job = jobs.get(o.job());
                if (o.failed()) {
                    failed.add(o);
                    err.println("lookm sweep: FAILED cell: " + o.error());
                    continue;
                }
                CellStore.Cell cell = CellStore.decode(o.cell().lines().toList());
                done[o.trace()][o.job()][o.layer()] = cell;
                cells.get(o.trace()).save(o.job(), job, o.layer(), cell);       // committed on the driver, per wave
                listener.done(o.layer(), job);
            }
        }
    }

    @Override public void writeTables(CellTable table, OutputDirectory dir) {
        List<StructField> fields = new ArrayList<>();
        for (CellTable.Column c : CellTable.COLUMNS) fields.add(DataTypes.createStructField(c.name(), type(c.type()), c.type() == CellTable.Type.DOUBLE));
        List<Row> rows = table.rows().stream().map(RowFactory::create).toList();
        long t0 = System.nanoTime();
        try {                                                                   // no .crc file beside each Parquet file
            org.apache.hadoop.fs.FileSystem.getLocal(spark.sparkContext().hadoopConfiguration()).setWriteChecksum(false);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot open the local file system to write " + PARQUET, e);
        }
        spark.createDataFrame(rows, new StructType(fields.toArray(StructField[]::new))).coalesce(1).write().mode(SaveMode.Overwrite)
                .parquet(dir.resolve(PARQUET).toString());
        err.printf(Locale.ROOT, "lookm sweep: spark wrote %s (%d rows) in %.2f s%n", PARQUET, rows.size(), (System.nanoTime() - t0) / NANOS);
    }

    private static DataType type(CellTable.Type t) {
        return switch (t) {
            case STRING -> DataTypes.StringType;
            case INT -> DataTypes.IntegerType;
            case LONG -> DataTypes.LongType;
            case DOUBLE -> DataTypes.DoubleType;
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof SparkException)) t = t.getCause();
        return String.valueOf(t.getMessage());
    }

    @Override public void close() { spark.stop(); }
}
