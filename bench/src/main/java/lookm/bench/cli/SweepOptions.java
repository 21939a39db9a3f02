package lookm.bench.cli;

import java.util.List;
import lookm.spec.policy.PolicySpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code sweep} and {@code demo} compare: policies × budgets, the budget split, the score source. */
final class SweepOptions {
    @Option(names = "--policies", paramLabel = "LIST|FILE.json", defaultValue = SweepRun.DEFAULT_POLICIES,
            description = "Comma-separated policy names or expressions (e.g. 'snapkv(window=64,kernel=7)'), or a policies file (JSON) "
                    + "(default: ${DEFAULT-VALUE}).")
    String policies;

    @Option(names = "--budgets", split = ",", paramLabel = "B", defaultValue = SweepRun.DEFAULT_BUDGETS,
            description = "Comma-separated total budgets (N+R)/T in (0, 1] (default: ${DEFAULT-VALUE}).")
    List<Double> budgets;

    @Option(names = "--recent-share", paramLabel = "S", defaultValue = "0.5",
            description = "Share of each budget for the recent window (default ${DEFAULT-VALUE}).")
    double recentShare;

    @Option(names = "--compression-ratios", split = ",", paramLabel = "CR",
            description = "kvpress's budgets instead of --budgets: keep n = int(T(1-CR)) per KV head, no recent window, CR in [0, 1); "
                    + "the tables' budget is 1 - CR.")
    List<Double> compressionRatios;

    @Mixin ScoreOptions scores;
    @Mixin AllocationOptions allocation;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the seeded policies (random); default: the registry's.")
    Long seed;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    /** The named policies, checked against the registry, with the chosen score source, seed and allocation. */
    List<PolicySpec> policySpecs() {
        return PolicyArgs.list(policies).stream().map(scores::apply).map(p -> Runs.withSeed(p, seed)).map(allocation::apply).toList();
    }
}
