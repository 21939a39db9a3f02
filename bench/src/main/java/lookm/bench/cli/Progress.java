package lookm.bench.cli;

import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr: redrawn in place on a terminal; on a non-TTY (logs, CI, tests) plain lines through a
 * {@link DelegatingProgressBarConsumer}, at most one every {@link #LOG_INTERVAL_MS}. ASCII style everywhere.
 */
final class Progress implements AutoCloseable {
    /** Redraw interval on a terminal. */
    static final int TTY_INTERVAL_MS = 500;
    /** Interval between log lines on a non-TTY. */
    static final int LOG_INTERVAL_MS = 5_000;
    /** Width of a log line. */
    static final int LOG_WIDTH = 100;

    private final ProgressBar bar;

    private Progress(ProgressBar bar) { this.bar = bar; }

    /** A bar for {@code total} steps named {@code task}, or a silent one when {@code quiet}. */
    static Progress start(String task, long total, PrintWriter err, boolean quiet) {
        if (quiet) return new Progress(null);
        boolean tty = System.console() != null;
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII);
        if (tty) b.setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(TTY_INTERVAL_MS);
        else b.setConsumer(new DelegatingProgressBarConsumer(line -> {
            err.println(line.trim());
            err.flush();
        }, LOG_WIDTH)).setUpdateIntervalMillis(LOG_INTERVAL_MS);
        return new Progress(b.build());
    }

    void step() { if (bar != null) bar.step(); }

    void message(String text) { if (bar != null) bar.setExtraMessage(text); }

    @Override public void close() { if (bar != null) bar.close(); }
}
