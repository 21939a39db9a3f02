package lookm.bench.sweep;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lookm.bench.replay.Replay;
import lookm.spec.policy.Backend;
import lookm.spec.policy.Policies;
import lookm.spec.policy.PolicySpec;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.LayerContext;

/**
 * A sweep as plain data that can travel to other machines (Java serialization): the traces, each policy as its name
 * and canonical expression, each budget as its ratios, and the first-pass profiles the allocations need. A worker
 * rebuilds the same jobs with {@link #jobs(Backend)} and computes each cell with {@link Replay#cell}, exactly as the
 * local sweep does. Job {@code j} is policy {@code j / budgets} at budget {@code j % budgets}, the local sweep's order.
 *
 * @param traces   the traces, in the table's order
 * @param policies the policies, in the table's order
 * @param budgets  the budgets, in the table's order
 */
public record SweepPlan(List<TraceEntry> traces, List<PolicyEntry> policies, List<BudgetEntry> budgets) implements Serializable {
    private static final long serialVersionUID = 2L;

    /**
     * One trace.
     *
     * @param path     where every worker reads it (absolute; on a cluster, a path all machines share)
     * @param label    the trace column's value
     * @param layers   layers to replay, L
     * @param bytes    bytes per K/V element of its dtype
     * @param profiles per allocation (its canonical text), its first-pass statistic on every layer; empty when none needs one
     */
    public record TraceEntry(String path, String label, int layers, int bytes, Map<String, double[]> profiles) implements Serializable {
        private static final long serialVersionUID = 1L;

        public TraceEntry {
            if (path == null || label == null) throw new IllegalArgumentException("a sweep trace needs a path and a label");
            if (layers < 1) throw new IllegalArgumentException("trace " + path + ": layers must be >= 1, was " + layers);
            if (bytes < 1) throw new IllegalArgumentException("trace " + path + ": bytes per element must be >= 1, was " + bytes);
            profiles = new HashMap<>(profiles == null ? Map.of() : profiles);
        }
    }

    /** One policy: its name in the table and the canonical expression that rebuilds it ({@link PolicySpec#expression()}). */
    public record PolicyEntry(String name, String expression) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * One budget: the nominal fraction (N+R)/T and the ratios it was split into, or kvpress's compression ratio.
     *
     * @param compressionRatio kvpress's CR (n = int(T(1 − CR)), no window) when the sweep runs at kvpress's budgets; NaN for ratios
     */
    public record BudgetEntry(double fraction, double heavyRatio, double recentRatio, double compressionRatio) implements Serializable {
        private static final long serialVersionUID = 2L;

        /** The entry of a budget a sweep can send to its workers. @throws IllegalArgumentException for any other kind */
        static BudgetEntry of(double fraction, Budget budget) {
            if (budget instanceof Budget.Ratios r) return new BudgetEntry(fraction, r.heavyRatio(), r.recentRatio(), Double.NaN);
            if (budget instanceof Budget.CompressionRatio c) return new BudgetEntry(fraction, 0, 0, c.compressionRatio());
            throw new IllegalArgumentException("budget " + budget + ": a sweep budget must be ratios of T or kvpress's compression ratio");
        }

        Budget budget() { return Double.isNaN(compressionRatio) ? Budget.ratios(heavyRatio, recentRatio) : Budget.compressionRatio(compressionRatio); }
    }

    public SweepPlan {
        traces = List.copyOf(traces);
        policies = List.copyOf(policies);
        budgets = List.copyOf(budgets);
        if (traces.isEmpty() || policies.isEmpty() || budgets.isEmpty())
            throw new IllegalArgumentException("a sweep needs at least one trace, one policy and one budget");
    }

    /**
     * The plan of {@code jobs} (policies × budgets, in that order, as the sweep builds them) on {@code traces}.
     *
     * @throws IllegalArgumentException naming the policy when it cannot be rebuilt from its expression on a worker
     *                                  (a policy whose stages the expression does not carry, e.g. scores from a file)
     */
    public static SweepPlan of(List<TraceEntry> traces, List<Replay.Job> jobs, int budgetCount) {
        List<PolicyEntry> policies = new ArrayList<>();
        List<BudgetEntry> budgets = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            Replay.Job job = jobs.get(j);
            if (job.externalScores() != null)
                throw new IllegalArgumentException("policy " + job.policy() + ": scores from a file (--scores-from) cannot be sent to the workers");
            if (j % budgetCount == 0) {
                PolicySpec p = job.compressor().policy();
                PolicyEntry entry = new PolicyEntry(job.policy(), p.expression());
                if (!sameStages(rebuild(entry), p))
                    throw new IllegalArgumentException("policy " + job.policy() + ": its expression '" + p.expression()
                            + "' does not rebuild the same stages, so the workers could not run it");
                policies.add(entry);
            }
            if (j < budgetCount) {
                budgets.add(BudgetEntry.of(job.budgetFraction(), job.budget()));
            }
        }
        if (policies.size() * budgets.size() != jobs.size())
            throw new IllegalArgumentException(jobs.size() + " jobs are not " + policies.size() + " policies x " + budgetCount + " budgets");
        return new SweepPlan(traces, policies, budgets);
    }

    /** Number of (policy, budget) jobs. */
    public int jobCount() { return policies.size() * budgets.size(); }

    /** The jobs on {@code backend}, rebuilt from the expressions: the same stages the sweep that planned them ran. */
    public List<Replay.Job> jobs(Backend backend) {
        List<Replay.Job> out = new ArrayList<>();
        for (PolicyEntry p : policies) {
            PolicySpec spec = rebuild(p);
            for (BudgetEntry b : budgets) out.add(new Replay.Job(p.name(), b.fraction(), backend.compressor(spec), b.budget()));
        }
        return out;
    }

    /** Where layer {@code layer} of trace {@code trace} sits in the model, with the profile job {@code job}'s allocation needs. */
    public LayerContext context(int trace, Replay.Job job, int layer) {
        TraceEntry t = traces.get(trace);
        return new LayerContext(layer, t.layers(), t.profiles().get(job.compressor().policy().allocate().toString()));
    }

    /** The first-pass profiles of {@code profiles} (by allocation) keyed by the allocation's canonical text. */
    public static Map<String, double[]> profileTable(Map<lookm.spec.policy.AllocateSpec, double[]> profiles) {
        Map<String, double[]> out = new HashMap<>();
        profiles.forEach((spec, values) -> out.put(spec.toString(), values));
        return out;
    }

    private static PolicySpec rebuild(PolicyEntry p) {
        PolicySpec parsed = Policies.parse(p.expression());
        return new PolicySpec(p.name(), parsed.description(), parsed.score(), parsed.select(), parsed.merge(), parsed.original(), parsed.allocate());
    }

    private static boolean sameStages(PolicySpec a, PolicySpec b) {
        return a.score().equals(b.score()) && a.select().equals(b.select()) && a.merge().equals(b.merge()) && a.allocate().equals(b.allocate());
    }
}
