package lookm.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A CSV table built row by row (RFC 4180 quoting). Leading {@code #} comment lines record what ran, so a CSV
 * separated from its JSON still says which policy, backend, trace and version produced it.
 */
public final class Csv {
    private final List<String> comments = new ArrayList<>();
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Csv(List<String> header) {
        if (header == null || header.isEmpty()) throw new IllegalArgumentException("a CSV needs at least one column");
        this.header = List.copyOf(header);
    }

    /** Adds a {@code # key: value} line before the header. */
    public Csv comment(String line) {
        comments.add(line.replace('\n', ' '));
        return this;
    }

    /** Adds a row; numbers are formatted without locale, non-finite doubles as empty cells. */
    public Csv row(Object... cells) {
        if (cells.length != header.size())
            throw new IllegalArgumentException("CSV row has " + cells.length + " cells, the header has " + header.size());
        List<String> r = new ArrayList<>(cells.length);
        for (Object c : cells) r.add(cell(c));
        rows.add(r);
        return this;
    }

    public int rowCount() { return rows.size(); }

    private static String cell(Object c) {
        if (c == null) return "";
        if (c instanceof Double || c instanceof Float) {
            double d = ((Number) c).doubleValue();
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "";
        }
        return c.toString();
    }

    private static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    @Override public String toString() {
        StringBuilder out = new StringBuilder();
        for (String c : comments) out.append("# ").append(c).append('\n');
        out.append(String.join(",", header.stream().map(Csv::quote).toList())).append('\n');
        for (List<String> r : rows) out.append(String.join(",", r.stream().map(Csv::quote).toList())).append('\n');
        return out.toString();
    }
}
