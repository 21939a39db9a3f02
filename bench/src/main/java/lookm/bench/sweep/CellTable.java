package lookm.bench.sweep;

import java.util.ArrayList;
import java.util.List;
import lookm.bench.fidelity.LayerFidelity;
import lookm.bench.fidelity.Metrics;
import lookm.bench.replay.Replay;
import lookm.bench.report.Csv;

/**
 * The tidy per-cell table of a sweep: one row per (trace, layer, policy, budget) cell with its fidelity, what it kept and
 * nothing that depends on timing, so two runs of the same sweep give the same table. Written as {@code sweep-cells.csv} by every engine (doubles in full: {@link Double#toString},
 * so two runs compare exactly) and by the Spark engine also as Parquet.
 */
public final class CellTable {
    /** A column: its name and its type. */
    public record Column(String name, Type type) {}

    /** Column types (what a Parquet schema needs). */
    public enum Type { STRING, INT, LONG, DOUBLE }

    /** The columns, in order. */
    public static final List<Column> COLUMNS = List.of(new Column("trace", Type.STRING), new Column("layer", Type.INT),
            new Column("policy", Type.STRING), new Column("budget", Type.DOUBLE), new Column("relative_error", Type.DOUBLE),
            new Column("cosine", Type.DOUBLE), new Column("recall", Type.DOUBLE), new Column("merged_mass", Type.DOUBLE),
            new Column("topk_overlap", Type.DOUBLE), new Column("tokens", Type.INT), new Column("requested_tokens", Type.LONG),
            new Column("kept_tokens", Type.LONG), new Column("kept_text", Type.LONG), new Column("kept_image", Type.LONG),
            new Column("merged", Type.LONG), new Column("kept_bytes", Type.LONG), new Column("full_bytes", Type.LONG));

    private final List<Object[]> rows = new ArrayList<>();

    /** Adds trace {@code label}'s results, job by job, layer by layer. */
    public CellTable add(String label, List<Replay.Result> results) {
        for (Replay.Result r : results)
            for (LayerFidelity l : r.layers()) {
                Metrics m = l.mean();
                rows.add(new Object[] {label, l.layer(), r.job().policy(), r.job().budgetFraction(), m.relativeError(), m.cosine(), m.recall(),
                        m.mergedMass(), m.topKOverlap(), l.tokens(), l.requestedTokens(), l.keptTokens(), l.keptText(), l.keptImage(),
                        l.merged(), l.keptBytes(), l.fullBytes()});
            }
        return this;
    }

    /** The rows, each in {@link #COLUMNS}' order and types (Integer, Long, Double, String). */
    public List<Object[]> rows() { return rows.stream().map(Object[]::clone).toList(); }

    /** The table as CSV, after {@code header}'s comment lines; doubles in full, non-finite ones as empty cells. */
    public String csv(Csv header) {
        Csv csv = header;
        for (Object[] row : rows) {
            Object[] cells = new Object[row.length];
            for (int c = 0; c < row.length; c++) cells[c] = row[c] instanceof Double d ? (Double.isFinite(d) ? Double.toString(d) : "") : row[c];
            csv.row(cells);
        }
        return csv.toString();
    }

    /** The column names. */
    public static List<String> names() { return COLUMNS.stream().map(Column::name).toList(); }
}
