package lookm.properties.gen;

import java.util.List;
import java.util.function.Predicate;
import lookm.spec.tensor.Budget;
import lookm.spec.tensor.TokenLayout;

/**
 * A named class of interesting cases, recognised from the generated case itself (not from the kind it was drawn
 * as), with the minimum share of generated cases that must fall in it.
 *
 * @param floorPercent the share, in percent of all cases, below which the generator is considered broken
 */
public record CaseClass(String name, double floorPercent, Predicate<CacheCase> test) {
    /** The classes every default generator must keep producing. Floors sit well below the measured shares. */
    public static final List<CaseClass> STANDARD = List.of(
            // shapes
            new CaseClass("one token (T = 1)", 0.2, c -> c.tokens() == 1),
            new CaseClass("several KV heads", 20, c -> c.shape().kvHeads() > 1),
            new CaseClass("grouped-query attention (G > 1)", 20, c -> c.shape().groupSize() > 1),
            new CaseClass("head dim 1", 3, c -> c.shape().headDim() == 1),
            new CaseClass("odd head dim > 1", 5, c -> c.shape().headDim() > 1 && c.shape().headDim() % 2 == 1),
            new CaseClass("head dim 80", 3, c -> c.shape().headDim() == 80),
            // layouts
            new CaseClass("all text", 5, c -> c.layout().imageTokenCount() == 0),
            new CaseClass("all image", 5, c -> c.layout().textCount() == 0),
            new CaseClass("exactly one image among text", 5, c -> c.layout().imageCount() == 1 && c.layout().textCount() > 0),
            new CaseClass("three or more images", 5, c -> c.layout().imageCount() >= 3),
            new CaseClass("image at the very start", 10, c -> c.layout().isImage(0)),
            new CaseClass("image at the very end", 10, c -> c.layout().isImage(c.tokens() - 1)),
            new CaseClass("four or more modality runs", 5, c -> c.layout().runs().size() >= 4),
            new CaseClass("image inside the recent window", 5, CaseClass::imageInWindow),
            // scores
            new CaseClass("exact score ties in a query head", 20, CaseClass::hasTies),
            new CaseClass("all scores equal in a query head", 8, c -> allEqual(c.observation().accumulatedAttention().values(), c.tokens())),
            new CaseClass("subnormal scores", 5, c -> any(c.observation().accumulatedAttention().values(), v -> v != 0 && Math.abs(v) < Float.MIN_NORMAL)),
            new CaseClass("scores above 1000", 5, c -> any(c.observation().accumulatedAttention().values(), v -> v > 1000)),
            // keys and values
            new CaseClass("duplicated key rows", 10, CaseClass::hasDuplicateKeyRows),
            new CaseClass("zero key rows", 10, CaseClass::hasZeroKeyRow),
            // budgets
            new CaseClass("budget 0", 5, c -> c.budget().resolve(c.tokens()).total() == 0),
            new CaseClass("budget 1", 5, c -> c.budget().resolve(c.tokens()).total() == 1 && c.tokens() > 1),
            new CaseClass("heavy = text outside the window", 5, c -> {
                Budget.Resolved b = c.budget().resolve(c.tokens());
                return !b.coversCache() && b.heavy() == c.layout().textCount(0, b.recentStart());
            }),
            new CaseClass("budget covers the cache", 8, c -> c.budget().resolve(c.tokens()).coversCache()),
            new CaseClass("ratio budget where floor truncates", 5, CaseClass::floorBites),
            new CaseClass("budget compresses (T > N + R)", 40, c -> !c.budget().resolve(c.tokens()).coversCache()));

    private static boolean imageInWindow(CacheCase c) {
        Budget.Resolved b = c.budget().resolve(c.tokens());
        TokenLayout l = c.layout();
        if (b.coversCache()) return false;
        for (int t = b.recentStart(); t < c.tokens(); t++) if (l.isImage(t)) return true;
        return false;
    }

    private static boolean hasTies(CacheCase c) {
        float[] a = c.observation().accumulatedAttention().values();
        int t = c.tokens();
        for (int q = 0; q < a.length / t; q++) {
            float[] row = java.util.Arrays.copyOfRange(a, q * t, (q + 1) * t);
            java.util.Arrays.sort(row);
            for (int i = 1; i < row.length; i++) if (row[i] == row[i - 1]) return true;
        }
        return false;
    }

    private static boolean allEqual(float[] a, int t) {
        if (t < 2) return false;
        for (int q = 0; q < a.length / t; q++) {
            boolean equal = true;
            for (int i = 1; i < t && equal; i++) equal = a[q * t + i] == a[q * t];
            if (equal) return true;
        }
        return false;
    }

    private static boolean any(float[] a, java.util.function.DoublePredicate p) {
        for (float v : a) if (p.test(v)) return true;
        return false;
    }

    private static boolean hasDuplicateKeyRows(CacheCase c) {
        var b = c.block();
        for (int h = 0; h < b.heads(); h++)
            for (int i = 0; i < b.tokens(); i++)
                for (int j = 0; j < i; j++)
                    if (java.util.Arrays.equals(b.keys(), b.offset(h, i), b.offset(h, i) + b.headDim(), b.keys(), b.offset(h, j), b.offset(h, j) + b.headDim()))
                        return true;
        return false;
    }

    private static boolean hasZeroKeyRow(CacheCase c) {
        var b = c.block();
        for (int h = 0; h < b.heads(); h++)
            for (int i = 0; i < b.tokens(); i++) {
                boolean zero = true;
                for (int k = 0; k < b.headDim() && zero; k++) zero = b.keys()[b.offset(h, i) + k] == 0f;
                if (zero) return true;
            }
        return false;
    }

    private static boolean floorBites(CacheCase c) {
        if (!(c.budget() instanceof Budget.Ratios r)) return false;
        double heavy = (double) c.tokens() * r.heavyRatio(), recent = (double) c.tokens() * r.recentRatio();
        return heavy != Math.floor(heavy) || recent != Math.floor(recent);
    }
}
