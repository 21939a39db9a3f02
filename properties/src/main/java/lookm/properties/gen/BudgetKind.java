package lookm.properties.gen;

import java.util.List;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.TokenLayout;

/** How a budget is drawn for a layout of T tokens: the edges first, then random counts and ratios. */
public enum BudgetKind {
    /** N = R = 0: nothing is kept except what a policy protects regardless of budget (released text prior: text). */
    ZERO,
    /** One token in total: N = 1, R = 0 or N = 0, R = 1. */
    ONE,
    /** N equals the number of text tokens outside the recent window: the edge of the released R + max(N_text, N). */
    TEXT_COUNT,
    /** N + R >= T: the budget covers the cache and nothing may change. */
    COVERING,
    /** Ratios at the edges: 0, 1, and fractions where floor(T·ratio) truncates (or float64 rounding bites). */
    RATIO_EDGE,
    /** Random absolute counts, N in [0, T], R in [0, T/2]. */
    RANDOM_COUNTS,
    /** Random ratios on a grid of 1/64. */
    RANDOM_RATIOS;

    /** Ratio fractions with a non-integer T·ratio, and one that is integer mathematically but not in float64. */
    private static final List<Double> FRACTIONS = List.of(0.0, 0.5, 0.999);
    private static final int RATIO_GRID = 64;

    public Draw<Budget> draw(TokenLayout layout) {
        int tokens = layout.size();
        return s -> switch (this) {
            case ZERO -> Budget.counts(0, 0);
            case ONE -> s.percent(50) ? Budget.counts(0, 1) : Budget.counts(1, 0);
            case TEXT_COUNT -> {
                int recent = s.intBetween(0, tokens / 2);
                yield Budget.counts(layout.textCount(0, tokens - recent), recent);
            }
            case COVERING -> {
                int recent = s.intBetween(0, tokens);
                yield Budget.counts(tokens - recent + s.intBetween(0, 2), recent);
            }
            case RATIO_EDGE -> {
                double heavy = edgeRatio(s, tokens), recent = s.percent(50) ? 0.0 : edgeRatio(s, tokens) / 2;
                yield Budget.ratios(heavy, recent);
            }
            case RANDOM_COUNTS -> Budget.counts(s.intBetween(0, tokens), s.intBetween(0, tokens / 2));
            case RANDOM_RATIOS -> Budget.ratios(s.intBetween(0, RATIO_GRID) / (double) RATIO_GRID, s.intBetween(0, RATIO_GRID / 2) / (double) RATIO_GRID);
        };
    }

    /** 0, 1, or (k + f)/T for f in {0, 1/2, 0.999}: floor(T·ratio) lands on k, or on k − 1 when the float64 product rounds down. */
    private static double edgeRatio(Source s, int tokens) {
        return switch (s.intBetween(0, 2)) {
            case 0 -> 0.0;
            case 1 -> 1.0;
            default -> Math.min(1.0, (s.intBetween(0, tokens - 1) + s.pick(FRACTIONS)) / tokens);
        };
    }
}
