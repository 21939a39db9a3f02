package lookm.bench.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import lookm.bench.fidelity.HeadFidelity;
import lookm.bench.fidelity.LayerFidelity;
import lookm.bench.fidelity.Metrics;

/**
 * Where a run keeps each finished (job, layer) cell as it finishes, so that a failed or interrupted run keeps what
 * it computed and {@code --resume} continues from it. A cell is one small text file, {@code cells/JOB/layer-L.txt},
 * written atomically by the caller's writer; doubles are stored as their IEEE-754 bits, so a resumed run's results
 * are bit-identical to an uninterrupted one's.
 */
public final class CellStore {
    /** Subdirectory of the output that holds the cells. */
    public static final String DIRECTORY = "cells";
    private static final String CELL = "cell", MEAN = "mean", HEAD = "head";

    private final Path root;
    private final BiConsumer<String, String> writer;

    /**
     * @param root   the directory {@code cells/} lives in (a resumable output's staging directory), or null for no store
     * @param writer writes a UTF-8 file atomically given its name relative to {@code root} and its content
     */
    public CellStore(Path root, BiConsumer<String, String> writer) {
        this.root = root;
        this.writer = writer;
    }

    /** A store that keeps nothing (every cell is computed). */
    public static CellStore none() { return new CellStore(null, (name, content) -> { }); }

    /**
     * The store of one input of a multi-trace run: its cells under {@code cells/SUB/} ({@code cells/SUB/cells/JOB/layer-L.txt});
     * {@link #clear()} on this (the parent) store removes them with the rest.
     */
    public CellStore within(String sub) {
        if (root == null) return this;
        String prefix = DIRECTORY + "/" + sub + "/";
        return new CellStore(root.resolve(DIRECTORY).resolve(sub), (name, content) -> writer.accept(prefix + name, content));
    }

    /** One finished cell: the layer's fidelity for the job and the time its compression took. */
    public record Cell(LayerFidelity fidelity, long compressNanos) {}

    /** The kept cell of job {@code job} (its index in the run) at layer {@code layer}, or null if it did not finish. */
    public Cell load(int job, Replay.Job spec, int layer) {
        if (root == null) return null;
        Path file = root.resolve(name(job, spec, layer));
        if (!Files.isRegularFile(file)) return null;
        try {
            return decode(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kept cell " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": a kept cell is unreadable (" + e.getMessage() + "); rerun with --overwrite"
                    + " instead of --resume", e);
        }
    }

    /** Commits a finished cell. */
    public void save(int job, Replay.Job spec, int layer, Cell cell) {
        if (root != null) writer.accept(name(job, spec, layer), encode(cell));
    }

    /** Removes every kept cell (once the run's tables are written, the cells are no longer needed). */
    public void clear() {
        if (root != null) lookm.traces.write.AtomicDirectory.deleteRecursively(root.resolve(DIRECTORY));
    }

    static String name(int job, Replay.Job spec, int layer) {
        return DIRECTORY + "/" + String.format(Locale.ROOT, "%03d-%s-%s/layer-%d.txt", job, spec.policy(), spec.budgetFraction(), layer);
    }

    /** The cell as text (doubles as IEEE-754 bits): what a cell file holds, and how the Spark engine's tasks return it. */
    public static String encode(Cell c) {
        LayerFidelity l = c.fidelity();
        StringBuilder s = new StringBuilder();
        s.append(CELL).append(' ').append(l.layer()).append(' ').append(l.tokens()).append(' ').append(l.textTokens()).append(' ')
                .append(l.imageTokens()).append(' ').append(l.keptBytes()).append(' ').append(l.fullBytes()).append(' ')
                .append(c.compressNanos()).append(' ').append(l.requestedPerHead()).append(' ').append(l.bytesPerToken()).append('\n');
        s.append(MEAN).append(metrics(l.mean())).append('\n');
        for (HeadFidelity h : l.heads())
            s.append(HEAD).append(' ').append(h.kvHead()).append(' ').append(h.kept()).append(' ').append(h.keptText()).append(' ')
                    .append(h.keptImage()).append(' ').append(h.merged()).append(metrics(h.mean())).append('\n');
        return s.toString();
    }

    /** The cell {@link #encode} wrote, bit for bit. */
    public static Cell decode(List<String> lines) {
        String[] c = fields(lines.get(0), CELL, 10);
        Metrics mean = metrics(fields(lines.get(1), MEAN, 6), 1);
        List<HeadFidelity> heads = new ArrayList<>();
        for (String line : lines.subList(2, lines.size())) {
            String[] h = fields(line, HEAD, 11);
            heads.add(new HeadFidelity(Integer.parseInt(h[1]), metrics(h, 6), Integer.parseInt(h[2]), Integer.parseInt(h[3]),
                    Integer.parseInt(h[4]), Integer.parseInt(h[5])));
        }
        LayerFidelity l = new LayerFidelity(Integer.parseInt(c[1]), heads, mean, Integer.parseInt(c[2]), Integer.parseInt(c[3]),
                Integer.parseInt(c[4]), Long.parseLong(c[5]), Long.parseLong(c[6]), Integer.parseInt(c[8]), Long.parseLong(c[9]));
        return new Cell(l, Long.parseLong(c[7]));
    }

    private static String[] fields(String line, String tag, int count) {
        String[] f = line.trim().split(" ");
        if (!f[0].equals(tag) || f.length != count) throw new IllegalArgumentException("expected a '" + tag + "' line of " + count + " fields");
        return f;
    }

    private static String metrics(Metrics m) {
        return " " + bits(m.relativeError()) + " " + bits(m.cosine()) + " " + bits(m.recall()) + " " + bits(m.mergedMass()) + " " + bits(m.topKOverlap());
    }

    private static Metrics metrics(String[] f, int from) {
        return new Metrics(value(f[from]), value(f[from + 1]), value(f[from + 2]), value(f[from + 3]), value(f[from + 4]));
    }

    private static String bits(double d) { return Long.toHexString(Double.doubleToRawLongBits(d)); }

    private static double value(String hex) { return Double.longBitsToDouble(Long.parseUnsignedLong(hex, 16)); }
}
