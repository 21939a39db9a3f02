package lookm.properties.gen;

import java.util.Arrays;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * One generated input of a policy: a multimodal layer cache, what was observed during prefill, and a budget,
 * with the kinds it was drawn from (for coverage and for reading failures).
 *
 * @param observation recorded column sums (Hq, T), prefill queries for all T positions and {@value CacheCases#PROBES}
 *                    decode probes, so that every registered scorer has what it needs
 */
public record CacheCase(Shape shape, LayoutKind layoutKind, ScoreKind scoreKind, KvKind kvKind, BudgetKind budgetKind,
                        KvBlock block, Observation observation, Budget budget) {
    /** Cases up to this many floats print their data in full. */
    public static final int PRINT_LIMIT = 256;

    public int tokens() { return block.tokens(); }

    public TokenLayout layout() { return block.layout(); }

    /** The same cache under another budget. */
    public CacheCase withBudget(Budget other, BudgetKind kind) {
        return new CacheCase(shape, layoutKind, scoreKind, kvKind, kind, block, observation, other);
    }

    /**
     * The same cache with KV heads reordered: new head i is old head {@code order[i]}, and each GQA group of query
     * heads (recorded attention, prefill and probe queries) moves with its KV head.
     */
    public CacheCase permuteHeads(int[] order) {
        int h = shape.kvHeads(), t = tokens(), d = shape.headDim(), g = shape.groupSize();
        if (order.length != h) throw new IllegalArgumentException("permutation of " + order.length + " heads for H=" + h);
        KvBlock b = new KvBlock(permute(block.keys(), order, t * d), permute(block.values(), order, t * d), h, t, d, layout());
        AccumulatedAttention a = observation.accumulatedAttention();
        Observation o = new Observation(
                new AccumulatedAttention(permute(a.values(), order, g * t), a.queryHeads(), t),
                permute(observation.prefillQueries(), order, g), permute(observation.probeQueries(), order, g));
        return new CacheCase(shape, layoutKind, scoreKind, kvKind, budgetKind, b, o, budget);
    }

    private static Queries permute(Queries q, int[] order, int group) {
        return new Queries(permute(q.data(), order, group * q.count() * q.headDim()), q.queryHeads(), q.headDim(), q.positions());
    }

    /** Blocks of {@code stride} floats, block i of the result = block order[i] of {@code data}. */
    static float[] permute(float[] data, int[] order, int stride) {
        float[] out = new float[data.length];
        for (int i = 0; i < order.length; i++) System.arraycopy(data, order[i] * stride, out, i * stride, stride);
        return out;
    }

    /** Shape, layout, budget, kinds, and for small cases the data itself: what a failing example prints. */
    public String describe() {
        StringBuilder s = new StringBuilder("CacheCase ").append(shape).append('\n')
                .append("  layout   ").append(layout()).append("  (").append(layoutKind).append(")\n")
                .append("  budget   ").append(budget).append(" -> ").append(budget.resolve(tokens())).append("  (").append(budgetKind).append(")\n")
                .append("  kinds    scores ").append(scoreKind).append(", keys/values ").append(kvKind).append('\n');
        if (block.keys().length <= PRINT_LIMIT) {
            AccumulatedAttention a = observation.accumulatedAttention();
            for (int q = 0; q < a.queryHeads(); q++)
                s.append("  attention[q").append(q).append("] ").append(Arrays.toString(Arrays.copyOfRange(a.values(), q * tokens(), (q + 1) * tokens()))).append('\n');
            appendRows(s, "keys", block.keys());
            appendRows(s, "values", block.values());
        } else {
            s.append("  (data not printed: ").append(block.keys().length).append(" floats per array; replay the seed to inspect)\n");
        }
        return s.toString();
    }

    private void appendRows(StringBuilder s, String name, float[] data) {
        int d = shape.headDim();
        for (int h = 0; h < shape.kvHeads(); h++) {
            s.append("  ").append(name).append("[h").append(h).append("] ");
            for (int t = 0; t < tokens(); t++)
                s.append(Arrays.toString(Arrays.copyOfRange(data, block.offset(h, t), block.offset(h, t) + d))).append(t + 1 < tokens() ? " " : "");
            s.append('\n');
        }
    }

    @Override public String toString() { return describe(); }
}
