package lookm.bench.cli;

import lookm.spec.tensor.Budget;
import picocli.CommandLine.Option;

/**
 * The budget: either {@code --hh-ratio} and {@code --recent-ratio} (the paper's and the original code's N and R
 * as fractions of T), or {@code --budget B}, a total fraction split between them by {@code --recent-share}, or
 * {@code --compression-ratio CR}, kvpress's count n = int(T(1 − CR)).
 */
final class BudgetOptions {
    /** The original code's default heavy and recent ratios. */
    static final double DEFAULT_RATIO = 0.1;
    /** By default a total budget B is split evenly: N = B/2, R = B/2 (the paper's Table 1 setting). */
    static final double DEFAULT_RECENT_SHARE = 0.5;

    @Option(names = "--hh-ratio", paramLabel = "F", description = "Heavy-hitter share N/T in [0, 1] (default 0.1).")
    Double heavyRatio;

    @Option(names = "--recent-ratio", paramLabel = "F", description = "Recent-window share R/T in [0, 1] (default 0.1).")
    Double recentRatio;

    @Option(names = "--budget", paramLabel = "B", description = "Total budget (N+R)/T in (0, 1]; excludes --hh-ratio/--recent-ratio.")
    Double total;

    @Option(names = "--recent-share", paramLabel = "S", description = "Share of --budget given to the recent window (default 0.5).")
    double recentShare = DEFAULT_RECENT_SHARE;

    @Option(names = "--compression-ratio", paramLabel = "CR",
            description = "kvpress's budget: keep n = int(T(1-CR)) per KV head, no recent window (CR in [0, 1]); excludes the other budget options.")
    Double compressionRatio;

    /** The budget asked for. @throws IllegalArgumentException naming the option */
    Budget budget() {
        if (compressionRatio != null) {
            if (total != null || heavyRatio != null || recentRatio != null)
                throw new IllegalArgumentException("--compression-ratio cannot be combined with --budget, --hh-ratio or --recent-ratio");
            if (!(compressionRatio >= 0 && compressionRatio <= 1))
                throw new IllegalArgumentException("--compression-ratio must be in [0, 1], was " + compressionRatio);
            return Budget.compressionRatio(compressionRatio);
        }
        if (total != null) {
            if (heavyRatio != null || recentRatio != null)
                throw new IllegalArgumentException("--budget cannot be combined with --hh-ratio or --recent-ratio");
            return split(total, recentShare);
        }
        return ratios(heavyRatio == null ? DEFAULT_RATIO : heavyRatio, recentRatio == null ? DEFAULT_RATIO : recentRatio);
    }

    /** How the user spelled the budget, for messages: "--budget 0.2" or "--hh-ratio 0.1 --recent-ratio 0.1". */
    String describe() {
        if (total != null) return "--budget " + total;
        return "--hh-ratio " + (heavyRatio == null ? DEFAULT_RATIO : heavyRatio) + " --recent-ratio " + (recentRatio == null ? DEFAULT_RATIO : recentRatio);
    }

    /** Warns about budget options that were given but have no effect ({@code --recent-share} without {@code --budget}). */
    void warnIneffective(String command, picocli.CommandLine.Model.CommandSpec spec, java.io.PrintWriter err) {
        if (total == null && Runs.given(spec, "--recent-share"))
            Runs.warn(command, "--recent-share has no effect without --budget (--hh-ratio and --recent-ratio set N and R directly)", err);
    }

    /** The total budget as a fraction of T, (N+R)/T before flooring. */
    double fraction() {
        if (compressionRatio != null) return keptShare(compressionRatio);
        if (total != null) return total;
        return (heavyRatio == null ? DEFAULT_RATIO : heavyRatio) + (recentRatio == null ? DEFAULT_RATIO : recentRatio);
    }

    /** 1 − CR as the decimal a user reads (0.2 for CR 0.8, not 0.19999999999999996); a label only, the cells use CR itself. */
    static double keptShare(double compressionRatio) {
        return java.math.BigDecimal.ONE.subtract(java.math.BigDecimal.valueOf(compressionRatio)).doubleValue();
    }

    /** A total budget B as ratios: R = B·share, N = B − R. */
    static Budget split(double total, double recentShare) {
        if (!(total > 0 && total <= 1)) throw new IllegalArgumentException("--budget must be in (0, 1], was " + total);
        if (!(recentShare >= 0 && recentShare <= 1)) throw new IllegalArgumentException("--recent-share must be in [0, 1], was " + recentShare);
        double recent = total * recentShare;
        return Budget.ratios(total - recent, recent);
    }

    private static Budget ratios(double heavy, double recent) {
        if (!(heavy >= 0 && heavy <= 1)) throw new IllegalArgumentException("--hh-ratio must be in [0, 1], was " + heavy);
        if (!(recent >= 0 && recent <= 1)) throw new IllegalArgumentException("--recent-ratio must be in [0, 1], was " + recent);
        return Budget.ratios(heavy, recent);
    }
}
