package lookm.properties.gen;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts how many generated cases fall in each {@link CaseClass}, so a test can assert that a generator has not
 * silently stopped producing the interesting cases. Thread-confined.
 */
public final class Coverage {
    private final List<CaseClass> classes;
    private final long[] hits;
    private long total;

    public Coverage(List<CaseClass> classes) {
        this.classes = List.copyOf(classes);
        this.hits = new long[classes.size()];
    }

    public void record(CacheCase c) {
        total++;
        for (int i = 0; i < classes.size(); i++) if (classes.get(i).test().test(c)) hits[i]++;
    }

    public long total() { return total; }

    /** Share of cases in class {@code i}, in percent. */
    public double percent(int i) { return total == 0 ? 0 : 100.0 * hits[i] / total; }

    /** One line per class whose share is below its floor; empty when the generator covers everything. */
    public List<String> belowFloor() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++)
            if (percent(i) < classes.get(i).floorPercent())
                out.add("%s: %.2f%% of %d cases, floor %.2f%%".formatted(classes.get(i).name(), percent(i), total, classes.get(i).floorPercent()));
        return out;
    }

    /** The table of shares, one class per line. */
    public String table() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < classes.size(); i++)
            s.append("%6.2f%%  (floor %5.2f%%)  %s%n".formatted(percent(i), classes.get(i).floorPercent(), classes.get(i).name()));
        return s.toString();
    }
}
