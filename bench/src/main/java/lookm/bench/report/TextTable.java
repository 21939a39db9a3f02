package lookm.bench.report;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with right-aligned columns (left-aligned first column), for terminal summaries. */
public final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    public TextTable(String... header) {
        columns = header.length;
        rows.add(header);
    }

    public TextTable row(Object... cells) {
        if (cells.length != columns) throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + columns);
        String[] r = new String[columns];
        for (int i = 0; i < columns; i++) r[i] = cells[i] == null ? "-" : cells[i].toString();
        rows.add(r);
        return this;
    }

    /** Formats a number with {@code digits} decimals; "-" for NaN. */
    public static String num(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%." + digits + "f", v);
    }

    /** A share as a percentage with one decimal; "-" for NaN. */
    public static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * v);
    }

    @Override public String toString() {
        int[] width = new int[columns];
        for (String[] r : rows) for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            for (int i = 0; i < columns; i++) {
                if (i > 0) s.append("  ");
                String pad = " ".repeat(width[i] - r[i].length());
                s.append(i == 0 ? r[i] + pad : pad + r[i]);
            }
            s.append('\n');
            if (k == 0) {
                int total = 0;
                for (int w : width) total += w;
                s.append("-".repeat(total + 2 * (columns - 1))).append('\n');
            }
        }
        return s.toString();
    }
}
