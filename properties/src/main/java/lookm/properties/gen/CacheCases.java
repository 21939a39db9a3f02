package lookm.properties.gen;

import java.util.List;
import lookm.spec.tensor.AccumulatedAttention;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.KvBlock;
import lookm.spec.tensor.Observation;
import lookm.spec.tensor.Queries;
import lookm.spec.tensor.TokenLayout;

/**
 * Generators of {@link CacheCase}s: the shape first, then a layout of T tokens, a budget for that layout, then
 * scores, keys, values and queries of that shape. Every structural choice shrinks towards the simplest value (one
 * head, one token, D = 1, all text, budget 0), so failures shrink to readable cases; the data of a case comes from
 * one {@link Source#bulk()} seed, so that the shrinker sees the structure.
 */
public final class CacheCases {
    /** Decode probe queries recorded after the prefill (hindsight oracle). */
    public static final int PROBES = 2;
    private static final int QUERY_BOUND = 2;
    private static final int QUERY_BITS = 6;

    private CacheCases() {}

    /** Shapes within {@code limits}; T shrinks to 1, D to the first listed head dim. */
    public static Draw<Shape> shapes(Limits limits) {
        return s -> new Shape(s.intBetween(1, limits.maxKvHeads()), s.intBetween(1, limits.maxGroup()),
                s.intBetween(1, limits.maxTokens()), s.pick(limits.headDims()));
    }

    /** Any case within {@code limits}, every kind equally likely. */
    public static Draw<CacheCase> any(Limits limits) {
        return s -> of(shapes(limits).draw(s), s.pick(List.of(LayoutKind.values())), s.pick(List.of(BudgetKind.values()))).draw(s);
    }

    /** Cases whose budget is drawn from {@code budgets} only (e.g. covering budgets for identity). */
    public static Draw<CacheCase> withBudgets(Limits limits, List<BudgetKind> budgets) {
        return s -> of(shapes(limits).draw(s), s.pick(List.of(LayoutKind.values())), s.pick(budgets)).draw(s);
    }

    /** A case of a given shape, layout kind and budget kind; scores and K/V kinds are drawn. */
    public static Draw<CacheCase> of(Shape shape, LayoutKind layoutKind, BudgetKind budgetKind) {
        return s -> {
            TokenLayout layout = layoutKind.draw(shape.tokens()).draw(s);
            Budget budget = budgetKind.draw(layout).draw(s);
            ScoreKind scoreKind = s.pick(List.of(ScoreKind.values()));
            KvKind kvKind = s.pick(List.of(KvKind.values()));
            return assemble(shape, layoutKind, scoreKind, kvKind, budgetKind, layout, budget).draw(s);
        };
    }

    /** The data of a case whose every kind is fixed. */
    public static Draw<CacheCase> assemble(Shape shape, LayoutKind layoutKind, ScoreKind scoreKind, KvKind kvKind, BudgetKind budgetKind,
                                           TokenLayout layout, Budget budget) {
        return structure -> {
            Source s = structure.bulk();
            int t = shape.tokens(), d = shape.headDim(), hq = shape.queryHeads();
            float[] attention = scoreKind.draw(hq, t).draw(s);
            float[] keys = kvKind.draw(shape).draw(s), values = kvKind.draw(shape).draw(s);
            Queries prefill = Queries.contiguous(queries(s, hq * t * d), hq, d, 0, t);
            Queries probes = Queries.contiguous(queries(s, hq * PROBES * d), hq, d, t, PROBES);
            KvBlock block = new KvBlock(keys, values, shape.kvHeads(), t, d, layout);
            Observation observation = new Observation(new AccumulatedAttention(attention, hq, t), prefill, probes);
            return new CacheCase(shape, layoutKind, scoreKind, kvKind, budgetKind, block, observation, budget);
        };
    }

    private static float[] queries(Source s, int n) {
        float[] q = new float[n];
        for (int i = 0; i < n; i++) q[i] = s.signedGrid(QUERY_BOUND, QUERY_BITS);
        return q;
    }
}
